package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

/**
 * A value an attribute has been seen with.
 *
 * @param type {@code string}, {@code int}, {@code double} or {@code bool}
 * @param value the value's text form (see {@link AttributeValues#text})
 */
public record TagValue(String type, String value) {
  public TagValue {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
  }
}
