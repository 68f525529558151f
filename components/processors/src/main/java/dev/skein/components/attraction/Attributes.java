package dev.skein.components.attraction;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * An attribute list being edited. Lookups return the first entry with a key, as the Collector's
 * map does; a new key is appended; setting or removing a key leaves no duplicate of it behind.
 * Not thread-safe.
 */
final class Attributes {
  private final List<KeyValue> list;
  private boolean changed;

  Attributes(List<KeyValue> attributes) {
    this.list = new ArrayList<>(attributes);
  }

  @Nullable AnyValue get(String key) {
    for (KeyValue kv : list) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  /**
   * Sets {@code key}: the first entry is replaced and later duplicates removed, so that a hashed
   * or updated value never leaves an older copy behind.
   */
  void put(String key, AnyValue value) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).getKey().equals(key)) {
        if (!list.get(i).getValue().equals(value)) {
          list.set(i, KeyValue.newBuilder().setKey(key).setValue(value).build());
          changed = true;
        }
        for (int j = list.size() - 1; j > i; j--) {
          if (list.get(j).getKey().equals(key)) {
            list.remove(j);
            changed = true;
          }
        }
        return;
      }
    }
    list.add(KeyValue.newBuilder().setKey(key).setValue(value).build());
    changed = true;
  }

  void remove(String key) {
    changed |= list.removeIf(kv -> kv.getKey().equals(key));
  }

  /** A snapshot of the keys, safe to iterate while editing. */
  List<String> keys() {
    LinkedHashSet<String> keys = new LinkedHashSet<>();
    for (KeyValue kv : list) {
      keys.add(kv.getKey());
    }
    return new ArrayList<>(keys);
  }

  boolean changed() {
    return changed;
  }

  List<KeyValue> toList() {
    return List.copyOf(list);
  }
}
