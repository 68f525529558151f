package dev.skein.components.otlpexporter;

import dev.skein.exporterhelper.ExporterHelper;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/** Creates the {@code otlp} exporter: OTLP/gRPC to another collector or backend. */
public final class OtlpExporterFactory implements ExporterFactory<OtlpExporterConfig> {
  @Override
  public String type() {
    return "otlp";
  }

  @Override
  public OtlpExporterConfig createDefaultConfig() {
    return new OtlpExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, OtlpExporterConfig config) {
    return ExporterHelper.create(settings, config.sendingQueue, config.retryOnFailure,
        new OtlpGrpcSender(settings, config));
  }
}
