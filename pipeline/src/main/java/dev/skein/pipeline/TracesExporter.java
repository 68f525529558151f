package dev.skein.pipeline;

/** A component at the end of a pipeline that consumes batches. */
public interface TracesExporter extends Component, TracesConsumer {}
