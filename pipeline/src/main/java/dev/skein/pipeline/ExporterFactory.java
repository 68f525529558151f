package dev.skein.pipeline;

/** Creates exporters, the ends of pipelines. One instance is shared by every pipeline naming it. */
public interface ExporterFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.EXPORTER;
  }

  TracesExporter createTracesExporter(CreateSettings settings, C config);

  /** Whether this exporter can end a pipeline of {@code signal}. */
  default boolean supports(Signal signal) {
    return signal == Signal.TRACES;
  }

  /** Creates the metrics side of this exporter; only called when {@link #supports} says so. */
  default MetricsExporter createMetricsExporter(CreateSettings settings, C config) {
    throw new UnsupportedOperationException(type() + " does not export metrics");
  }
}
