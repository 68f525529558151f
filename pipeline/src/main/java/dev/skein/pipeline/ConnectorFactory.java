package dev.skein.pipeline;

/**
 * Creates connectors, which join pipelines: a connector is an exporter at the end of one pipeline
 * and a receiver at the start of others, as in the Collector.
 */
public interface ConnectorFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.CONNECTOR;
  }

  /** Whether this connector can take {@code from} and emit {@code to}. */
  boolean supports(Signal from, Signal to);

  /** Creates a connector from traces to traces that emits into {@code next}. */
  default TracesConnector createTracesToTraces(CreateSettings settings, C config, TracesConsumer next) {
    throw new UnsupportedOperationException(type() + " does not connect traces to traces");
  }

  /** Creates a connector from traces to metrics that emits into {@code next}. */
  default TracesConnector createTracesToMetrics(CreateSettings settings, C config, MetricsConsumer next) {
    throw new UnsupportedOperationException(type() + " does not connect traces to metrics");
  }
}
