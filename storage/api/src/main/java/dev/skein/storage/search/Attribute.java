package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

/**
 * An attribute of a span or of its resource, by key.
 *
 * @param scope where the attribute is looked up
 * @param key the attribute key, compared exactly (case-sensitive)
 */
public record Attribute(TagScope scope, String key) implements Field {
  public Attribute {
    requireNonNull(scope, "scope");
    requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key: empty (expected: an attribute key)");
    }
  }

  /** A span attribute. */
  public static Attribute span(String key) {
    return new Attribute(TagScope.SPAN, key);
  }

  /** A resource attribute. */
  public static Attribute resource(String key) {
    return new Attribute(TagScope.RESOURCE, key);
  }

  /** An attribute of the span or of its resource. */
  public static Attribute any(String key) {
    return new Attribute(TagScope.ANY, key);
  }

  @Override
  public String toString() {
    switch (scope) {
      case SPAN: return "span." + key;
      case RESOURCE: return "resource." + key;
      default: return "." + key;
    }
  }
}
