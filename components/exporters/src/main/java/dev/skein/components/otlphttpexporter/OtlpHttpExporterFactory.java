package dev.skein.components.otlphttpexporter;

import dev.skein.exporterhelper.ExporterHelper;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/** Creates the {@code otlphttp} exporter: OTLP/HTTP, protobuf or JSON. */
public final class OtlpHttpExporterFactory implements ExporterFactory<OtlpHttpExporterConfig> {
  @Override
  public String type() {
    return "otlphttp";
  }

  @Override
  public OtlpHttpExporterConfig createDefaultConfig() {
    return new OtlpHttpExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, OtlpHttpExporterConfig config) {
    return ExporterHelper.create(settings, config.sendingQueue, config.retryOnFailure,
        new OtlpHttpSender(settings, config));
  }
}
