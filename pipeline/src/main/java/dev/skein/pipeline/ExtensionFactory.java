package dev.skein.pipeline;

/** Creates extensions: components outside the data flow, such as storage, query and health. */
public interface ExtensionFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.EXTENSION;
  }

  Component createExtension(CreateSettings settings, C config);
}
