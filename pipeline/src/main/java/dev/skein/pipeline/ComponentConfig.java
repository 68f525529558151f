package dev.skein.pipeline;

import java.util.List;

/**
 * A component's configuration: the factory's defaults with the YAML laid over them. Fields bind
 * to YAML keys in snake_case. Nested objects merge with their defaults.
 */
public interface ComponentConfig {
  /**
   * Returns every problem with this configuration, each as {@code key: value (expected: ...)},
   * where the key is relative to the component (e.g. {@code send_batch_size: 0 (expected: > 0)}).
   * The loader prefixes the component's YAML path.
   */
  default List<String> validate() {
    return List.of();
  }
}
