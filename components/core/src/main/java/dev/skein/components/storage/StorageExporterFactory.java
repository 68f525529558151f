package dev.skein.components.storage;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/** Creates the {@code storage} exporter. */
public final class StorageExporterFactory implements ExporterFactory<StorageExporterConfig> {
  @Override
  public String type() {
    return "storage";
  }

  @Override
  public StorageExporterConfig createDefaultConfig() {
    return new StorageExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, StorageExporterConfig config) {
    return new StorageExporter(settings, config);
  }
}
