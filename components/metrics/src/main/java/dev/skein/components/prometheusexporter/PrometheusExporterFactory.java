package dev.skein.components.prometheusexporter;

import static java.util.Objects.requireNonNull;

import dev.skein.components.spanmetrics.SpanMetricsConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.MetricsExporter;
import dev.skein.pipeline.Signal;
import dev.skein.pipeline.TracesExporter;

/**
 * Creates the Collector's {@code prometheus} exporter, which serves the metrics it is given on
 * {@code endpoint}'s {@code /metrics} for Prometheus to scrape, in the text format 0.0.4 or in
 * OpenMetrics when the scraper asks for it. Placed in a traces pipeline it derives span metrics
 * itself, with the {@code spanmetrics} connector's defaults. Both sides of one configured exporter
 * share its endpoint.
 */
public final class PrometheusExporterFactory implements ExporterFactory<PrometheusExporterConfig> {
  @Override
  public String type() {
    return "prometheus";
  }

  @Override
  public PrometheusExporterConfig createDefaultConfig() {
    return new PrometheusExporterConfig();
  }

  @Override
  public boolean supports(Signal signal) {
    return signal == Signal.TRACES || signal == Signal.METRICS;
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, PrometheusExporterConfig config) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    return new PrometheusTracesExporter(settings.id().toString(), endpoint(config),
        SpanMetricsConnectorFactory.createWithDefaults(settings));
  }

  @Override
  public MetricsExporter createMetricsExporter(CreateSettings settings, PrometheusExporterConfig config) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    return new PrometheusMetricsExporter(endpoint(config));
  }

  /** One endpoint per configured exporter: the pipeline hands both sides the same configuration object. */
  private static PrometheusEndpoint endpoint(PrometheusExporterConfig config) {
    synchronized (config) {
      if (config.endpointInstance == null) {
        config.endpointInstance = new PrometheusEndpoint(config);
      }
      return config.endpointInstance;
    }
  }

  /** The port the exporter created with {@code config} listens on; for tests that bind port 0. */
  static int port(PrometheusExporterConfig config) {
    return endpoint(config).port();
  }
}
