package dev.skein.examples.shop.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON mapper the services share, and small helpers for reading request bodies. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** The text field {@code name} of {@code body}, or {@code fallback} when it is absent. */
  public static String text(JsonNode body, String name, String fallback) throws HttpError {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual() || v.textValue().isBlank()) {
      throw new HttpError(400, name + ": " + v + " (expected: a non-empty string)");
    }
    return v.textValue();
  }

  /** The integer field {@code name} of {@code body}, at least {@code min}, or {@code fallback}. */
  public static int integer(JsonNode body, String name, int fallback, int min) throws HttpError {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < min) {
      throw new HttpError(400, name + ": " + v + " (expected: an integer >= " + min + ")");
    }
    return v.intValue();
  }
}
