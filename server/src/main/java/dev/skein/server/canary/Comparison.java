package dev.skein.server.canary;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.server.canary.CanaryTrace.CanarySpan;
import dev.skein.wire.jaeger.GoJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares a trace read back with the {@link CanaryTrace} that was written. Each span is matched by
 * its ID; a span that was written and is not there is missing, and for a span that is there the
 * first field that differs is named, in the order service, name, parent, kind, start, end,
 * attributes, events, status. A span that was not written is incorrect too.
 */
final class Comparison {
  private Comparison() {}

  /** Compares an OTLP trace (Tempo's answer); an empty list means every span came back intact. */
  static List<Problem> otlp(CanaryTrace expected, TracesData actual) {
    Map<String, Located> got = new LinkedHashMap<>();
    for (ResourceSpans rs : actual.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          got.put(Hex.encode(span.getSpanId()), new Located(rs.getResource(), span));
        }
      }
    }
    return compare(expected, got, (want, have) -> otlpDifference(want, have.resource(), have.span()));
  }

  /** Compares a trace of Jaeger's JSON ({@code data[0]} of {@code /api/traces/{id}}). */
  static List<Problem> jaeger(CanaryTrace expected, JsonNode trace) {
    Map<String, JsonNode> got = new LinkedHashMap<>();
    for (JsonNode span : trace.path("spans")) {
      got.put(span.path("spanID").asText(), span);
    }
    JsonNode processes = trace.path("processes");
    return compare(expected, got, (want, have) -> jaegerDifference(want, have, processes));
  }

  private record Located(Resource resource, Span span) {}

  private interface Differ<T> {
    /** The first difference, or null. */
    String difference(CanarySpan expected, T actual);
  }

  private static <T> List<Problem> compare(CanaryTrace expected, Map<String, T> got, Differ<T> differ) {
    List<Problem> problems = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (CanarySpan want : expected.spans()) {
      T have = got.remove(want.spanIdHex());
      if (have == null) {
        missing.add(want.label());
        continue;
      }
      String difference = differ.difference(want, have);
      if (difference != null) {
        problems.add(new Problem(Result.INCORRECT, "span " + want.label() + ": " + difference));
      }
    }
    for (String unexpected : got.keySet()) {
      problems.add(new Problem(Result.INCORRECT, "span " + unexpected + ": not written by the canary"));
    }
    if (!missing.isEmpty()) {
      problems.add(0, new Problem(Result.MISSING_SPANS, missing.size() + " of " + expected.spans().size()
          + " spans missing: " + String.join(", ", missing)));
    }
    return problems;
  }

  private static String otlpDifference(CanarySpan want, Resource resource, Span have) {
    Span w = want.span();
    String service = serviceName(resource);
    if (!want.service().equals(service)) {
      return differs("service.name", quote(service), quote(want.service()));
    }
    if (!w.getName().equals(have.getName())) {
      return differs("name", quote(have.getName()), quote(w.getName()));
    }
    if (!w.getParentSpanId().equals(have.getParentSpanId())) {
      return differs("parentSpanId", hex(have.getParentSpanId()), hex(w.getParentSpanId()));
    }
    if (w.getKind() != have.getKind()) {
      return differs("kind", have.getKind().name(), w.getKind().name());
    }
    if (w.getStartTimeUnixNano() != have.getStartTimeUnixNano()) {
      return differs("startTimeUnixNano", have.getStartTimeUnixNano(), w.getStartTimeUnixNano());
    }
    if (w.getEndTimeUnixNano() != have.getEndTimeUnixNano()) {
      return differs("endTimeUnixNano", have.getEndTimeUnixNano(), w.getEndTimeUnixNano());
    }
    String attributes = attributeDifference("attributes", w.getAttributesList(), have.getAttributesList());
    if (attributes != null) {
      return attributes;
    }
    if (w.getEventsCount() != have.getEventsCount()) {
      return differs("events", have.getEventsCount() + " events", w.getEventsCount() + " events");
    }
    for (int i = 0; i < w.getEventsCount(); i++) {
      Span.Event we = w.getEvents(i);
      Span.Event he = have.getEvents(i);
      String at = "events[" + i + "]";
      if (!we.getName().equals(he.getName())) {
        return differs(at + ".name", quote(he.getName()), quote(we.getName()));
      }
      if (we.getTimeUnixNano() != he.getTimeUnixNano()) {
        return differs(at + ".timeUnixNano", he.getTimeUnixNano(), we.getTimeUnixNano());
      }
      String eventAttributes = attributeDifference(at + ".attributes", we.getAttributesList(), he.getAttributesList());
      if (eventAttributes != null) {
        return eventAttributes;
      }
    }
    if (w.getStatus().getCode() != have.getStatus().getCode()) {
      return differs("status.code", have.getStatus().getCode().name(), w.getStatus().getCode().name());
    }
    if (!w.getStatus().getMessage().equals(have.getStatus().getMessage())) {
      return differs("status.message", quote(have.getStatus().getMessage()), quote(w.getStatus().getMessage()));
    }
    return null;
  }

  private static String attributeDifference(String field, List<KeyValue> want, List<KeyValue> have) {
    Map<String, AnyValue> got = new LinkedHashMap<>();
    have.forEach(kv -> got.put(kv.getKey(), kv.getValue()));
    for (KeyValue kv : want) {
      AnyValue value = got.remove(kv.getKey());
      String at = field + "[\"" + kv.getKey() + "\"]";
      if (value == null) {
        return at + ": missing (expected: " + GoJson.write(kv.getValue()) + ")";
      }
      if (!value.equals(kv.getValue())) {
        return differs(at, GoJson.write(value), GoJson.write(kv.getValue()));
      }
    }
    return got.isEmpty() ? null : field + "[\"" + got.keySet().iterator().next() + "\"]: not written by the canary";
  }

  private static String jaegerDifference(CanarySpan want, JsonNode have, JsonNode processes) {
    Span w = want.span();
    String service = processes.path(have.path("processID").asText()).path("serviceName").asText(null);
    if (!want.service().equals(service)) {
      return differs("process.serviceName", quote(service), quote(want.service()));
    }
    String name = have.path("operationName").asText(null);
    if (!w.getName().equals(name)) {
      return differs("operationName", quote(name), quote(w.getName()));
    }
    String parent = null;
    for (JsonNode ref : have.path("references")) {
      if (ref.path("refType").asText().equals("CHILD_OF")) {
        parent = ref.path("spanID").asText();
        break;
      }
    }
    String wantParent = w.getParentSpanId().isEmpty() ? null : Hex.encode(w.getParentSpanId());
    if (!Objects.equals(parent, wantParent)) {
      return differs("references (CHILD_OF)", parent == null ? "none" : parent, wantParent == null ? "none" : wantParent);
    }
    long start = w.getStartTimeUnixNano() / 1000;
    if (have.path("startTime").asLong(-1) != start) {
      return differs("startTime", have.path("startTime"), start);
    }
    long duration = (w.getEndTimeUnixNano() - w.getStartTimeUnixNano()) / 1000;
    if (have.path("duration").asLong(-1) != duration) {
      return differs("duration", have.path("duration"), duration);
    }
    String tags = tagDifference("tags", expectedTags(w), have.path("tags"));
    if (tags != null) {
      return tags;
    }
    JsonNode logs = have.path("logs");
    if (logs.size() != w.getEventsCount()) {
      return differs("logs", logs.size() + " logs", w.getEventsCount() + " logs");
    }
    for (int i = 0; i < w.getEventsCount(); i++) {
      Span.Event we = w.getEvents(i);
      JsonNode log = logs.get(i);
      String at = "logs[" + i + "]";
      if (log.path("timestamp").asLong(-1) != we.getTimeUnixNano() / 1000) {
        return differs(at + ".timestamp", log.path("timestamp"), we.getTimeUnixNano() / 1000);
      }
      List<KeyValue> fields = new ArrayList<>();
      fields.add(stringAttribute("event", we.getName()));
      fields.addAll(we.getAttributesList());
      String difference = tagDifference(at + ".fields", fields, log.path("fields"));
      if (difference != null) {
        return difference;
      }
    }
    return null;
  }

  /** The tags Jaeger shows for a canary span: its attributes, then kind and status as the translator maps them. */
  private static List<KeyValue> expectedTags(Span span) {
    List<KeyValue> tags = new ArrayList<>(span.getAttributesList());
    tags.add(stringAttribute("span.kind", span.getKind().name().substring("SPAN_KIND_".length()).toLowerCase(java.util.Locale.ROOT)));
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_OK) {
      tags.add(stringAttribute("otel.status_code", "OK"));
    } else if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      tags.add(stringAttribute("otel.status_code", "ERROR"));
      tags.add(KeyValue.newBuilder().setKey("error").setValue(AnyValue.newBuilder().setBoolValue(true)).build());
    }
    if (!span.getStatus().getMessage().isEmpty()) {
      tags.add(stringAttribute("otel.status_description", span.getStatus().getMessage()));
    }
    return tags;
  }

  /**
   * The first expected tag that is absent or differs. Tags the server adds on its own (the scope,
   * for one) are allowed, except under the canary's own {@code canary.} prefix.
   */
  private static String tagDifference(String field, List<KeyValue> want, JsonNode have) {
    Map<String, JsonNode> got = new LinkedHashMap<>();
    have.forEach(tag -> got.put(tag.path("key").asText(), tag));
    for (KeyValue kv : want) {
      JsonNode tag = got.remove(kv.getKey());
      String at = field + "[\"" + kv.getKey() + "\"]";
      if (tag == null) {
        return at + ": missing (expected: " + GoJson.write(kv.getValue()) + ")";
      }
      if (!sameTag(tag, kv.getValue())) {
        return differs(at, tag.path("type").asText() + " " + tag.path("value"),
            jaegerType(kv.getValue()) + " " + GoJson.write(kv.getValue()));
      }
    }
    for (String key : got.keySet()) {
      if (key.startsWith("canary.")) {
        return field + "[\"" + key + "\"]: not written by the canary";
      }
    }
    return null;
  }

  private static boolean sameTag(JsonNode tag, AnyValue want) {
    JsonNode value = tag.path("value");
    if (!tag.path("type").asText().equals(jaegerType(want))) {
      return false;
    }
    switch (want.getValueCase()) {
      case BOOL_VALUE:
        return value.isBoolean() && value.booleanValue() == want.getBoolValue();
      case INT_VALUE:
        return value.isIntegralNumber() && value.longValue() == want.getIntValue();
      case DOUBLE_VALUE:
        return value.isNumber() && value.doubleValue() == want.getDoubleValue();
      default:
        return value.isTextual() && value.textValue().equals(want.getStringValue());
    }
  }

  private static String jaegerType(AnyValue value) {
    switch (value.getValueCase()) {
      case BOOL_VALUE:
        return "bool";
      case INT_VALUE:
        return "int64";
      case DOUBLE_VALUE:
        return "float64";
      default:
        return "string";
    }
  }

  private static String serviceName(Resource resource) {
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return null;
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static String differs(String field, Object actual, Object expected) {
    return field + ": " + actual + " (expected: " + expected + ")";
  }

  private static String quote(String s) {
    return s == null ? "none" : "\"" + s + "\"";
  }

  private static String hex(ByteString id) {
    return id.isEmpty() ? "none" : Hex.encode(id);
  }
}
