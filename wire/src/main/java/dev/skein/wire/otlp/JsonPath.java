package dev.skein.wire.otlp;

import java.util.Arrays;

/**
 * The position of the decoder in the document, kept as a stack so that an error can name it
 * ({@code resourceSpans[0].scopeSpans[0].spans[3].traceId}). Rendering happens only on error.
 */
final class JsonPath {
  /** Paths longer than this are shortened in messages; deep nesting would otherwise flood logs. */
  private static final int MAX_RENDERED = 400;

  private Object[] segments = new Object[32];
  private int size;

  void pushField(String name) {
    push(name);
  }

  void pushIndex(int index) {
    push(index);
  }

  void pushMapKey(String key) {
    push(new MapKey(key));
  }

  /** Replaces the index on top of the stack; arrays advance it instead of pushing anew. */
  void setIndex(int index) {
    segments[size - 1] = index;
  }

  void pop() {
    segments[--size] = null;
  }

  private void push(Object segment) {
    if (size == segments.length) {
      segments = Arrays.copyOf(segments, size * 2);
    }
    segments[size++] = segment;
  }

  /** The full path, for {@link dev.skein.wire.WireFormatException#path()}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < size; i++) {
      Object s = segments[i];
      if (s instanceof Integer) {
        sb.append('[').append(s).append(']');
      } else if (s instanceof MapKey) {
        sb.append('[');
        OtlpJsonReader.quote(sb, ((MapKey) s).key);
        sb.append(']');
      } else {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(s);
      }
    }
    return sb.toString();
  }

  /** The path shortened in the middle, keeping the start (which request part) and the end. */
  static String abbreviate(String path) {
    if (path.length() <= MAX_RENDERED) {
      return path;
    }
    int keepStart = MAX_RENDERED / 4;
    int keepEnd = MAX_RENDERED - keepStart;
    return path.substring(0, keepStart) + "..." + path.substring(path.length() - keepEnd);
  }

  private static final class MapKey {
    final String key;

    MapKey(String key) {
      this.key = key;
    }
  }
}
