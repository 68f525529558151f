package dev.skein.components.tailsampling;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.Map;

/** An LRU set of trace IDs with one decision; size 0 holds nothing. Not thread-safe. */
final class DecisionCache {
  private final int capacity;
  private final Map<ByteString, Boolean> ids;

  DecisionCache(int capacity) {
    this.capacity = capacity;
    this.ids = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteString, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  boolean enabled() {
    return capacity > 0;
  }

  /** Whether {@code id} is held; a hit makes it the most recently used. */
  boolean contains(ByteString id) {
    return capacity > 0 && ids.get(id) != null;
  }

  void add(ByteString id) {
    if (capacity > 0) {
      ids.put(id, Boolean.TRUE);
    }
  }
}
