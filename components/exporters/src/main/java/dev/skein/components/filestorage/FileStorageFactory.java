package dev.skein.components.filestorage;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/** Creates the {@code file_storage} extension: durable key/value storage for other components. */
public final class FileStorageFactory implements ExtensionFactory<FileStorageConfig> {
  @Override
  public String type() {
    return "file_storage";
  }

  @Override
  public FileStorageConfig createDefaultConfig() {
    return new FileStorageConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, FileStorageConfig config) {
    return new FileStorageExtension(settings, config);
  }
}
