package dev.skein.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jaeger's tag filters, and Skein's additions, as conditions on one span.
 *
 * <p>Jaeger compares a tag's text with the span's and the process's tags, whatever their type; so
 * does Skein, on span and resource attributes. The tags Jaeger derives from OTLP fields match
 * those fields too: {@code error=true} the ERROR status, {@code span.kind} the kind,
 * {@code otel.status_code} the status and {@code otel.status_description} its message.
 * Skein's additions: {@code tagRegex=k:re} (the whole text matches), {@code tagNot=k:v} (absent or
 * different), {@code tagNotRegex=k:re}, {@code tagExists=k} and {@code tagAbsent=k}.
 */
final class TagFilters {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TagFilters() {}

  /** Reads {@code tags} (JSON maps), {@code tag} and Skein's tag parameters. */
  static List<SpanCondition> fromJaegerParams(Params p) throws QueryException {
    List<SpanCondition> out = new ArrayList<>();
    for (String json : p.all("tags")) {
      for (Map.Entry<String, String> e : jsonMap("tags", json).entrySet()) {
        out.add(equal("tags", e.getKey(), e.getValue()));
      }
    }
    for (String kv : p.all("tag")) {
      String[] pair = pair("tag", kv);
      out.add(equal("tag", pair[0], pair[1]));
    }
    for (String kv : p.all("tagNot")) {
      String[] pair = pair("tagNot", kv);
      out.add(SpanCondition.not(equal("tagNot", pair[0], pair[1])));
    }
    for (String kv : p.all("tagRegex")) {
      out.add(regex("tagRegex", kv, Comparison.MATCHES));
    }
    for (String kv : p.all("tagNotRegex")) {
      out.add(SpanCondition.not(regex("tagNotRegex", kv, Comparison.MATCHES)));
    }
    for (String key : p.all("tagExists")) {
      out.add(SpanCondition.exists(Attribute.any(key)));
    }
    for (String key : p.all("tagAbsent")) {
      out.add(SpanCondition.not(SpanCondition.exists(Attribute.any(key))));
    }
    return out;
  }

  /** A JSON object of string (or scalar) values, as Jaeger's {@code tags} parameter holds. */
  static Map<String, String> jsonMap(String name, String json) throws QueryException {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (IOException e) {
      throw QueryException.badParameter(name, json, "a JSON object such as {\"http.status_code\":\"500\"}");
    }
    if (node == null || !node.isObject()) {
      throw QueryException.badParameter(name, json, "a JSON object such as {\"http.status_code\":\"500\"}");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw QueryException.badParameter(name, json, "string values; " + e.getKey() + " is " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** The span has tag {@code key} with the text {@code value}, or the OTLP field Jaeger derives it from. */
  static SpanCondition equal(String param, String key, String value) throws QueryException {
    SpanCondition attribute = SpanCondition.compare(Attribute.any(key), Comparison.EQ, Value.text(value));
    switch (key) {
      case "error":
        return value.equals("true") ? SpanCondition.any(status(StatusCode.STATUS_CODE_ERROR), attribute) : attribute;
      case "span.kind":
        for (SpanKind k : SpanKind.values()) {
          if (k != SpanKind.UNRECOGNIZED && k.name().equals("SPAN_KIND_" + value.toUpperCase(Locale.ROOT))) {
            return SpanCondition.any(SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(k)), attribute);
          }
        }
        return attribute;
      case "otel.status_code":
        for (StatusCode c : List.of(StatusCode.STATUS_CODE_OK, StatusCode.STATUS_CODE_ERROR)) {
          if (c.name().equals("STATUS_CODE_" + value)) {
            return SpanCondition.any(status(c), attribute);
          }
        }
        return attribute;
      case "otel.status_description":
        return SpanCondition.any(
            SpanCondition.compare(Intrinsic.STATUS_MESSAGE, Comparison.EQ, Value.string(value)), attribute);
      case "otel.scope.name":
      case "otel.scope.version":
        throw QueryException.badParameter(param, key + ":" + value,
            "a span or resource attribute; searching by instrumentation scope is not supported");
      default:
        return attribute;
    }
  }

  private static SpanCondition status(StatusCode code) {
    return SpanCondition.compare(Intrinsic.STATUS, Comparison.EQ, Value.status(code));
  }

  private static SpanCondition regex(String param, String kv, Comparison op) throws QueryException {
    String[] pair = pair(param, kv);
    try {
      return SpanCondition.compare(Attribute.any(pair[0]), op, Value.text(pair[1]));
    } catch (IllegalArgumentException e) {
      throw QueryException.badParameter(param, kv, "key:regex with a valid regular expression; " + e.getMessage());
    }
  }

  /** {@code key:value}; the value may hold further colons, as in Jaeger. */
  private static String[] pair(String param, String kv) throws QueryException {
    int colon = kv.indexOf(':');
    if (colon <= 0) {
      throw QueryException.badParameter(param, kv, "key:value");
    }
    return new String[] {kv.substring(0, colon), kv.substring(colon + 1)};
  }
}
