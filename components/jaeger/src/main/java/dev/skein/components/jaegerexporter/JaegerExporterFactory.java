package dev.skein.components.jaegerexporter;

import dev.skein.exporterhelper.ExporterHelper;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/**
 * Creates the {@code jaeger} exporter: spans sent to a Jaeger collector's gRPC
 * {@code CollectorService/PostSpans} (api_v2), one request per resource, with the exporter
 * helper's {@code sending_queue} and {@code retry_on_failure} around it. It is the exporter the
 * Collector had until v0.85, for backends that take only Jaeger's protocol.
 */
public final class JaegerExporterFactory implements ExporterFactory<JaegerExporterConfig> {
  @Override
  public String type() {
    return "jaeger";
  }

  @Override
  public JaegerExporterConfig createDefaultConfig() {
    return new JaegerExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, JaegerExporterConfig config) {
    return ExporterHelper.create(settings, config.sendingQueue, config.retryOnFailure,
        new JaegerSender(config));
  }
}
