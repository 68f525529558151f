package dev.skein.components.debugexporter;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/** Creates the {@code debug} exporter, which writes what it receives to the log. */
public final class DebugExporterFactory implements ExporterFactory<DebugExporterConfig> {
  @Override
  public String type() {
    return "debug";
  }

  @Override
  public DebugExporterConfig createDefaultConfig() {
    return new DebugExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, DebugExporterConfig config) {
    return new DebugExporter(settings, config, DebugExporter.output(config), System::nanoTime);
  }
}
