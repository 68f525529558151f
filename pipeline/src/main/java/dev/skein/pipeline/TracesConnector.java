package dev.skein.pipeline;

/**
 * The exporter side of a connector in a traces pipeline: it consumes spans and emits into the
 * pipelines that name the connector as a receiver.
 */
public interface TracesConnector extends Component, TracesConsumer {}
