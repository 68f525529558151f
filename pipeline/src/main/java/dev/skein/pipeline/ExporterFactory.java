package dev.skein.pipeline;

/** Creates exporters, the ends of pipelines. One instance is shared by every pipeline naming it. */
public interface ExporterFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.EXPORTER;
  }

  TracesExporter createTracesExporter(CreateSettings settings, C config);
}
