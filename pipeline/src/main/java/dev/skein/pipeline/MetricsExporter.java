package dev.skein.pipeline;

/** A component at the end of a metrics pipeline. */
public interface MetricsExporter extends Component, MetricsConsumer {}
