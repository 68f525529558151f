package dev.skein.pipeline;

/** A component that consumes batches and passes them on. */
public interface TracesProcessor extends Component, TracesConsumer {}
