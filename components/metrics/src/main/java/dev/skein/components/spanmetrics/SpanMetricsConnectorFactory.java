package dev.skein.components.spanmetrics;

import static java.util.Objects.requireNonNull;

import dev.skein.components.metrics.internal.MetricsSource;
import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.MetricsConsumer;
import dev.skein.pipeline.Signal;
import dev.skein.pipeline.TracesConnector;

/**
 * Creates the Collector's {@code spanmetrics} connector: from a traces pipeline it emits, into
 * metrics pipelines, a call counter ({@code traces.span.metrics.calls}) and a duration histogram
 * ({@code traces.span.metrics.duration}, in ms) per service, span name, span kind and status code.
 */
public final class SpanMetricsConnectorFactory implements ConnectorFactory<SpanMetricsConfig> {
  @Override
  public String type() {
    return "spanmetrics";
  }

  @Override
  public SpanMetricsConfig createDefaultConfig() {
    return new SpanMetricsConfig();
  }

  @Override
  public boolean supports(Signal from, Signal to) {
    return from == Signal.TRACES && to == Signal.METRICS;
  }

  @Override
  public TracesConnector createTracesToMetrics(CreateSettings settings, SpanMetricsConfig config, MetricsConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    return new SpanMetricsConnector(settings.id().toString(), config, next);
  }

  /**
   * Returns span metrics with every default, read on demand rather than flushed on a timer. The
   * {@code prometheus} exporter uses it when it ends a traces pipeline.
   */
  public static MetricsSource createWithDefaults(CreateSettings settings) {
    requireNonNull(settings, "settings");
    return new SpanMetricsConnector(settings.id().toString(), new SpanMetricsConfig(), null);
  }

}
