package dev.skein.pipeline;

/** The five kinds of component, each a top-level section of the configuration. */
public enum ComponentKind {
  RECEIVER("receivers"),
  PROCESSOR("processors"),
  EXPORTER("exporters"),
  CONNECTOR("connectors"),
  EXTENSION("extensions");

  private final String section;

  ComponentKind(String section) {
    this.section = section;
  }

  /** The configuration section that holds this kind, e.g. {@code receivers}. */
  public String section() {
    return section;
  }

  /** The singular word used in messages, e.g. {@code receiver}. */
  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
