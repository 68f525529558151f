package dev.skein.wire.jaeger;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Resources;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders spans as the JSON of Jaeger's query API ({@code GET /api/traces/{id}} and
 * {@code GET /api/traces}), the shape the Jaeger UI and Grafana's Jaeger data source read.
 *
 * <p>Spans map to Jaeger's model as the OpenTelemetry Collector's translator from OTLP to Jaeger
 * maps them ({@code pkg/translator/jaeger}):
 * <ul>
 *   <li>IDs are lower-case hex as Jaeger writes them: a span ID in 16 digits; a trace ID in 32,
 *       or in 16 when its high 64 bits are zero ({@code TraceID.String()} in Jaeger's model).
 *   <li>The parent becomes the first reference, {@code CHILD_OF}; links follow as
 *       {@code FOLLOWS_FROM}, or {@code CHILD_OF} when the link has the attribute
 *       {@code opentracing.ref_type = "child_of"}; a link to the parent only sets the parent
 *       reference's type. Link attributes are not shown: Jaeger references have none.
 *   <li>Tags, in order: {@code otel.scope.name}, {@code otel.scope.version}, the span's
 *       attributes, {@code span.kind} ({@code client}, {@code server}, {@code producer},
 *       {@code consumer}, {@code internal}), {@code otel.status_code} ({@code OK} or
 *       {@code ERROR}), {@code error = true} for {@code ERROR}, {@code otel.status_description},
 *       {@code w3c.tracestate}, then {@code otel.dropped_attributes_count},
 *       {@code otel.dropped_events_count} and {@code otel.dropped_links_count} when not zero (the
 *       names of the specification's mapping to non-OTLP formats, which the translator's
 *       documentation refers to).
 *   <li>Events become logs; the event name is the field {@code event} unless an attribute of
 *       that name exists, and a non-zero dropped attributes count is the field
 *       {@code otel.dropped_attributes_count}.
 *   <li>Each distinct resource becomes one process ({@code p1}, {@code p2}, ... in order of first
 *       use): its {@code service.name} is the service name and its other attributes are the
 *       process tags. A resource without {@code service.name} gets
 *       {@value Resources#UNKNOWN_SERVICE}, the name the OpenTelemetry SDKs report, where the
 *       translator would leave it empty.
 *   <li>Attribute values become tags of type {@code string}, {@code bool}, {@code int64},
 *       {@code float64} or {@code binary} (base64); arrays and kvlists become {@code string} tags
 *       holding their JSON, written as the Collector writes it.
 *   <li>{@code flags} is 1 when the span's W3C sampled flag is set, and left out otherwise.
 *   <li>Times are microseconds since the epoch, durations microseconds, both truncated; a span
 *       that ends before it starts has duration 0.
 * </ul>
 *
 * <p>Every method returns a new tree that the caller owns. All methods are thread-safe.
 */
public final class JaegerJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int SAMPLED = 0x01;
  private static final String REF_TYPE_ATTRIBUTE = "opentracing.ref_type";

  private JaegerJson() {}

  /**
   * Renders the spans of one trace as a Jaeger trace object:
   * {@code {"traceID", "spans": [...], "processes": {"p1": ...}, "warnings": null}}. The trace ID
   * is the first span's; spans keep their order.
   *
   * @throws IllegalArgumentException if {@code trace} has no spans
   */
  public static ObjectNode trace(Traces trace) {
    requireNonNull(trace, "trace");
    if (trace.isEmpty()) {
      throw new IllegalArgumentException("trace: no spans (expected: the spans of one trace)");
    }
    ArrayNode spans = NODES.arrayNode(trace.spanCount());
    ObjectNode processes = NODES.objectNode();
    Map<ObjectNode, String> idByProcess = new HashMap<>();
    Map<Resource, String> idByResource = new HashMap<>();
    trace.forEachSpan((rs, ss, span) -> {
      String processId = idByResource.computeIfAbsent(rs.getResource(), resource -> {
        // Resources that differ only in what Jaeger cannot show share one process, as in Jaeger.
        ObjectNode process = process(resource);
        return idByProcess.computeIfAbsent(process, p -> {
          String id = "p" + (idByProcess.size() + 1);
          processes.set(id, p);
          return id;
        });
      });
      spans.add(span(span, ss.getScope(), processId));
    });
    ObjectNode out = NODES.objectNode();
    out.put("traceID", spans.get(0).get("traceID").asText());
    out.set("spans", spans);
    out.set("processes", processes);
    out.putNull("warnings");
    return out;
  }

  /**
   * Groups {@code traces} by trace ID, in order of first appearance, and renders each group with
   * {@link #trace(Traces)}. An empty batch gives an empty list.
   */
  public static List<ObjectNode> traces(Traces traces) {
    requireNonNull(traces, "traces");
    Map<ByteString, Traces.Builder> byTraceId = new LinkedHashMap<>();
    traces.forEachSpan((rs, ss, span) ->
        byTraceId.computeIfAbsent(span.getTraceId(), id -> Traces.builder()).add(rs, ss, span));
    List<ObjectNode> out = new ArrayList<>(byTraceId.size());
    for (Traces.Builder b : byTraceId.values()) {
      out.add(trace(b.build()));
    }
    return out;
  }

  /**
   * The query API's response wrapper:
   * {@code {"data": [...], "total": total, "limit": 0, "offset": 0, "errors": null}}. Jaeger sets
   * {@code total} for lists such as services and leaves it 0 for traces.
   */
  public static ObjectNode envelope(List<? extends JsonNode> data, int total) {
    requireNonNull(data, "data");
    ArrayNode array = NODES.arrayNode(data.size());
    for (JsonNode node : data) {
      array.add(requireNonNull(node, "data element"));
    }
    ObjectNode out = NODES.objectNode();
    out.set("data", array);
    out.put("total", total);
    out.put("limit", 0);
    out.put("offset", 0);
    out.putNull("errors");
    return out;
  }

  /**
   * The query API's error response:
   * {@code {"data": null, "total": 0, "limit": 0, "offset": 0, "errors": [{"code": code, "msg": message}]}}.
   * As in Jaeger, a code of 0 is left out. The HTTP status should equal {@code code}.
   */
  public static ObjectNode errorEnvelope(int code, String message) {
    requireNonNull(message, "message");
    ObjectNode error = NODES.objectNode();
    if (code != 0) {
      error.put("code", code);
    }
    error.put("msg", message);
    ObjectNode out = NODES.objectNode();
    out.putNull("data");
    out.put("total", 0);
    out.put("limit", 0);
    out.put("offset", 0);
    out.set("errors", NODES.arrayNode().add(error));
    return out;
  }

  /** Jaeger's answer for an unknown trace ID, sent with HTTP status 404. */
  public static ObjectNode traceNotFound() {
    return errorEnvelope(404, "trace not found");
  }

  /** Serializes {@code node} as compact UTF-8 JSON. */
  public static byte[] toBytes(JsonNode node) {
    requireNonNull(node, "node");
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e); // a tree of plain nodes always serializes
    }
  }

  /**
   * A trace ID as Jaeger writes it: 16 hex digits when the high 64 bits are zero, else 32. IDs
   * shorter than 16 bytes are padded with leading zero bytes first; longer ones are written whole.
   */
  public static String traceId(ByteString id) {
    requireNonNull(id, "id");
    if (id.size() > 16) {
      return Hex.encode(id);
    }
    ByteString full = leftPad(id, 16);
    boolean highIsZero = true;
    for (int i = 0; i < 8 && highIsZero; i++) {
      highIsZero = full.byteAt(i) == 0;
    }
    return Hex.encode(highIsZero ? full.substring(8) : full);
  }

  /** A span ID as Jaeger writes it: 16 hex digits (shorter IDs padded with leading zero bytes). */
  public static String spanId(ByteString id) {
    requireNonNull(id, "id");
    return Hex.encode(id.size() >= 8 ? id : leftPad(id, 8));
  }

  private static ByteString leftPad(ByteString id, int size) {
    return id.size() >= size ? id : ByteString.copyFrom(new byte[size - id.size()]).concat(id);
  }

  private static ObjectNode process(Resource resource) {
    ObjectNode process = NODES.objectNode();
    process.put("serviceName", Resources.serviceName(resource));
    ArrayNode tags = NODES.arrayNode();
    for (KeyValue kv : resource.getAttributesList()) {
      // A string service.name is the service name; any other value is kept, so nothing is lost.
      if (!(kv.getKey().equals("service.name") && kv.getValue().hasStringValue())) {
        tags.add(tag(kv.getKey(), kv.getValue()));
      }
    }
    process.set("tags", tags);
    return process;
  }

  private static ObjectNode span(Span span, InstrumentationScope scope, String processId) {
    ObjectNode out = NODES.objectNode();
    String traceId = traceId(span.getTraceId());
    out.put("traceID", traceId);
    out.put("spanID", spanId(span.getSpanId()));
    if ((span.getFlags() & SAMPLED) != 0) {
      out.put("flags", 1);
    }
    out.put("operationName", span.getName());
    out.set("references", references(span, traceId));
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    out.put("startTime", Long.divideUnsigned(start, 1000));
    out.put("duration", Long.compareUnsigned(end, start) > 0 ? Long.divideUnsigned(end - start, 1000) : 0);
    out.set("tags", tags(span, scope));
    out.set("logs", logs(span));
    out.put("processID", processId);
    out.putNull("warnings");
    return out;
  }

  private static ArrayNode references(Span span, String traceId) {
    ArrayNode refs = NODES.arrayNode();
    // An all-zero parent is no parent, as in the translator, which compares the uint64 to 0.
    String parentId = isZero(span.getParentSpanId()) ? null : spanId(span.getParentSpanId());
    if (parentId != null) {
      refs.add(reference("CHILD_OF", traceId, parentId));
    }
    for (Span.Link link : span.getLinksList()) {
      String linkTraceId = traceId(link.getTraceId());
      String linkSpanId = spanId(link.getSpanId());
      String type = refType(link);
      if (parentId != null && linkTraceId.equals(traceId) && linkSpanId.equals(parentId)) {
        ((ObjectNode) refs.get(0)).put("refType", type);
        continue;
      }
      refs.add(reference(type, linkTraceId, linkSpanId));
    }
    return refs;
  }

  private static String refType(Span.Link link) {
    for (KeyValue kv : link.getAttributesList()) {
      if (kv.getKey().equals(REF_TYPE_ATTRIBUTE)) {
        return kv.getValue().getStringValue().equals("child_of") ? "CHILD_OF" : "FOLLOWS_FROM";
      }
    }
    return "FOLLOWS_FROM";
  }

  private static ObjectNode reference(String type, String traceId, String spanId) {
    ObjectNode ref = NODES.objectNode();
    ref.put("refType", type);
    ref.put("traceID", traceId);
    ref.put("spanID", spanId);
    return ref;
  }

  private static ArrayNode tags(Span span, InstrumentationScope scope) {
    ArrayNode tags = NODES.arrayNode();
    if (!scope.getName().isEmpty()) {
      tags.add(stringTag("otel.scope.name", scope.getName()));
    }
    if (!scope.getVersion().isEmpty()) {
      tags.add(stringTag("otel.scope.version", scope.getVersion()));
    }
    for (KeyValue kv : span.getAttributesList()) {
      tags.add(tag(kv.getKey(), kv.getValue()));
    }
    String kind = spanKind(span.getKind());
    if (kind != null) {
      tags.add(stringTag("span.kind", kind));
    }
    Status.StatusCode code = span.getStatus().getCode();
    if (code == Status.StatusCode.STATUS_CODE_OK) {
      tags.add(stringTag("otel.status_code", "OK"));
    } else if (code == Status.StatusCode.STATUS_CODE_ERROR) {
      tags.add(stringTag("otel.status_code", "ERROR"));
      ObjectNode error = NODES.objectNode();
      error.put("key", "error");
      error.put("type", "bool");
      error.put("value", true);
      tags.add(error);
    }
    if (!span.getStatus().getMessage().isEmpty()) {
      tags.add(stringTag("otel.status_description", span.getStatus().getMessage()));
    }
    if (!span.getTraceState().isEmpty()) {
      tags.add(stringTag("w3c.tracestate", span.getTraceState()));
    }
    addCount(tags, "otel.dropped_attributes_count", span.getDroppedAttributesCount());
    addCount(tags, "otel.dropped_events_count", span.getDroppedEventsCount());
    addCount(tags, "otel.dropped_links_count", span.getDroppedLinksCount());
    return tags;
  }

  private static ArrayNode logs(Span span) {
    ArrayNode logs = NODES.arrayNode(span.getEventsCount());
    for (Span.Event event : span.getEventsList()) {
      ArrayNode fields = NODES.arrayNode();
      if (!event.getName().isEmpty() && !hasKey(event.getAttributesList(), "event")) {
        fields.add(stringTag("event", event.getName()));
      }
      for (KeyValue kv : event.getAttributesList()) {
        fields.add(tag(kv.getKey(), kv.getValue()));
      }
      addCount(fields, "otel.dropped_attributes_count", event.getDroppedAttributesCount());
      ObjectNode log = NODES.objectNode();
      log.put("timestamp", Long.divideUnsigned(event.getTimeUnixNano(), 1000));
      log.set("fields", fields);
      logs.add(log);
    }
    return logs;
  }

  private static String spanKind(Span.SpanKind kind) {
    switch (kind) {
      case SPAN_KIND_CLIENT:
        return "client";
      case SPAN_KIND_SERVER:
        return "server";
      case SPAN_KIND_PRODUCER:
        return "producer";
      case SPAN_KIND_CONSUMER:
        return "consumer";
      case SPAN_KIND_INTERNAL:
        return "internal";
      default:
        return null;
    }
  }

  private static ObjectNode tag(String key, AnyValue value) {
    ObjectNode tag = NODES.objectNode();
    tag.put("key", key);
    switch (value.getValueCase()) {
      case BOOL_VALUE:
        tag.put("type", "bool");
        tag.put("value", value.getBoolValue());
        break;
      case INT_VALUE:
        tag.put("type", "int64");
        tag.put("value", value.getIntValue());
        break;
      case DOUBLE_VALUE:
        tag.put("type", "float64");
        tag.put("value", value.getDoubleValue());
        break;
      case BYTES_VALUE:
        tag.put("type", "binary");
        tag.put("value", GoJson.base64(value.getBytesValue()));
        break;
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        tag.put("type", "string");
        tag.put("value", GoJson.write(value));
        break;
      case STRING_VALUE:
        tag.put("type", "string");
        tag.put("value", value.getStringValue());
        break;
      default:
        // An empty value (or a dictionary index, meaningless without its dictionary) is an empty
        // string tag, the zero value the translator leaves in place.
        tag.put("type", "string");
        tag.put("value", "");
    }
    return tag;
  }

  private static ObjectNode stringTag(String key, String value) {
    ObjectNode tag = NODES.objectNode();
    tag.put("key", key);
    tag.put("type", "string");
    tag.put("value", value);
    return tag;
  }

  private static void addCount(ArrayNode tags, String key, int count) {
    if (count != 0) {
      ObjectNode tag = NODES.objectNode();
      tag.put("key", key);
      tag.put("type", "int64");
      tag.put("value", Integer.toUnsignedLong(count));
      tags.add(tag);
    }
  }

  private static boolean hasKey(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
