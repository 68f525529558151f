package dev.skein.components.storage;

import dev.skein.pipeline.ComponentConfig;
import java.util.List;

/** The {@code storage} exporter: which backend of the storage extension to write to. */
final class StorageExporterConfig implements ComponentConfig {
  String backend = "main";

  @Override
  public List<String> validate() {
    return backend.isBlank() ? List.of("backend: empty (expected: the name of a storage backend)") : List.of();
  }
}
