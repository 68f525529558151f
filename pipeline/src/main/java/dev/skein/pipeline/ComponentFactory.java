package dev.skein.pipeline;

/**
 * Creates one type of component. Factories are found with {@link java.util.ServiceLoader}, so a
 * new component is a new package plus one line in {@code META-INF/services}.
 *
 * @param <C> the configuration type
 */
public interface ComponentFactory<C extends ComponentConfig> {
  /** The YAML type, e.g. {@code batch}. */
  String type();

  ComponentKind kind();

  /** A fresh configuration holding every default; the YAML is laid over it. */
  C createDefaultConfig();

  /** The type of the configuration, used to bind the YAML. */
  @SuppressWarnings("unchecked")
  default Class<C> configType() {
    return (Class<C>) createDefaultConfig().getClass();
  }
}
