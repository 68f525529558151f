package dev.skein.components.fileexporter;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/** Creates the {@code file} exporter, which writes batches to a file as OTLP/JSON lines or protobuf. */
public final class FileExporterFactory implements ExporterFactory<FileExporterConfig> {
  @Override
  public String type() {
    return "file";
  }

  @Override
  public FileExporterConfig createDefaultConfig() {
    return new FileExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, FileExporterConfig config) {
    return new FileExporter(settings, config);
  }
}
