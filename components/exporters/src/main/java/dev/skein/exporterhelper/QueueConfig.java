package dev.skein.exporterhelper;

import dev.skein.model.Nullable;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code sending_queue} settings, with its defaults: {@code enabled} (true),
 * {@code num_consumers} (10), {@code queue_size} (1000 batches) and {@code storage} (none: the
 * queue is in memory; else the ID of a {@code file_storage} extension that persists it).
 */
public final class QueueConfig {
  boolean enabled = true;
  int numConsumers = 10;
  int queueSize = 1000;
  /** The ID of a {@code file_storage} extension; when set, the queue is persisted on disk. */
  @Nullable String storage;

  public boolean enabled() {
    return enabled;
  }

  public int numConsumers() {
    return numConsumers;
  }

  public int queueSize() {
    return queueSize;
  }

  public @Nullable String storage() {
    return storage;
  }

  /** Problems, each prefixed with {@code prefix} (e.g. {@code sending_queue}). */
  public List<String> validate(String prefix) {
    List<String> errors = new ArrayList<>();
    if (enabled && numConsumers <= 0) {
      errors.add(prefix + "::num_consumers: " + numConsumers + " (expected: > 0)");
    }
    if (enabled && queueSize <= 0) {
      errors.add(prefix + "::queue_size: " + queueSize + " (expected: > 0)");
    }
    if (storage != null) {
      try {
        dev.skein.pipeline.ComponentId.parse(storage);
      } catch (IllegalArgumentException e) {
        errors.add(prefix + "::storage: " + e.getMessage());
      }
    }
    return errors;
  }
}
