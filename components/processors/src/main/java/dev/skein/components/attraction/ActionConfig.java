package dev.skein.components.attraction;

import dev.skein.model.Nullable;

/**
 * One entry of an attribute action list, as the Collector's {@code attraction} package reads it:
 * {@code key}, {@code action}, and the fields that action uses ({@code value},
 * {@code from_attribute}, {@code from_context}, {@code default_value}, {@code pattern},
 * {@code converted_type}). Bound from YAML; checked by {@link AttributeActions#validate}.
 */
public final class ActionConfig {
  /** The attribute to act on. */
  String key = "";
  /** One of insert, update, upsert, delete, hash, extract, convert (any case). */
  String action = "";
  /** The value to set: a string, number, boolean, list or map. */
  @Nullable Object value;
  /** The attribute whose value is copied. */
  String fromAttribute = "";
  /** Client metadata to copy; Skein's pipelines carry none, so this is rejected. */
  String fromContext = "";
  /** The value used when the value source yields nothing. */
  @Nullable Object defaultValue;
  /** For extract: the expression with named groups; for delete and hash: keys to match. */
  String pattern = "";
  /** For convert: int, double or string. */
  String convertedType = "";

  ActionConfig() {}
}
