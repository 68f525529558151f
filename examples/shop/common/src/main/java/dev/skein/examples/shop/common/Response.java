package dev.skein.examples.shop.common;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;

/** A JSON answer: its status and body. */
public record Response(int status, JsonNode body) {
  public Response {
    requireNonNull(body, "body");
  }

  public static Response json(int status, JsonNode body) {
    return new Response(status, body);
  }

  /** {@code {"error": message}}. */
  public static Response error(int status, String message) {
    return json(status, Json.object().put("error", message));
  }
}
