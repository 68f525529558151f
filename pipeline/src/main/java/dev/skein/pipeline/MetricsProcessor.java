package dev.skein.pipeline;

/** A component that consumes metrics batches and passes them on. */
public interface MetricsProcessor extends Component, MetricsConsumer {}
