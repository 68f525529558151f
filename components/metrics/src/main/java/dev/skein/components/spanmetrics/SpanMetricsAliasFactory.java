package dev.skein.components.spanmetrics;

import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.MetricsConsumer;
import dev.skein.pipeline.Signal;
import dev.skein.pipeline.TracesConnector;

/**
 * The {@code spanmetrics} connector under its newer Collector name, {@code span_metrics}, so that
 * configurations written for either name work.
 */
public final class SpanMetricsAliasFactory implements ConnectorFactory<SpanMetricsConfig> {
  private final SpanMetricsConnectorFactory delegate = new SpanMetricsConnectorFactory();

  @Override
  public String type() {
    return "span_metrics";
  }

  @Override
  public SpanMetricsConfig createDefaultConfig() {
    return delegate.createDefaultConfig();
  }

  @Override
  public boolean supports(Signal from, Signal to) {
    return delegate.supports(from, to);
  }

  @Override
  public TracesConnector createTracesToMetrics(CreateSettings settings, SpanMetricsConfig config, MetricsConsumer next) {
    return delegate.createTracesToMetrics(settings, config, next);
  }
}
