package dev.skein.components.storage;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/** Creates the {@code storage} extension. */
public final class StorageExtensionFactory implements ExtensionFactory<StorageExtensionConfig> {
  @Override
  public String type() {
    return "storage";
  }

  @Override
  public StorageExtensionConfig createDefaultConfig() {
    return new StorageExtensionConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, StorageExtensionConfig config) {
    return new StorageExtension(settings.id(), config, settings.telemetry());
  }
}
