package dev.skein.components.debugexporter;

import dev.skein.model.AnyValues;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The Collector's text renderings of spans ({@code normal} and {@code detailed} verbosity). */
final class SpanText {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private SpanText() {}

  /** One line per span: name, trace ID, span ID, then {@code key=value} attributes. */
  static String normal(Traces traces) {
    StringBuilder b = new StringBuilder();
    traces.forEachSpan((rs, ss, span) -> {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(span.getName()).append(' ').append(Hex.encode(span.getTraceId())).append(' ')
          .append(Hex.encode(span.getSpanId()));
      for (KeyValue kv : span.getAttributesList()) {
        b.append(' ').append(kv.getKey()).append('=').append(raw(kv.getValue()));
      }
    });
    return b.toString();
  }

  /** Every field, resource by resource and scope by scope. */
  static String detailed(Traces traces) {
    StringBuilder b = new StringBuilder();
    List<ResourceSpans> all = traces.resourceSpans();
    for (int i = 0; i < all.size(); i++) {
      ResourceSpans rs = all.get(i);
      line(b, "ResourceSpans #" + i);
      line(b, "Resource SchemaURL: " + rs.getSchemaUrl());
      attributes(b, "Resource attributes", "     ->", rs.getResource().getAttributesList());
      for (int j = 0; j < rs.getScopeSpansCount(); j++) {
        ScopeSpans ss = rs.getScopeSpans(j);
        line(b, "ScopeSpans #" + j);
        line(b, "ScopeSpans SchemaURL: " + ss.getSchemaUrl());
        InstrumentationScope scope = ss.getScope();
        line(b, "InstrumentationScope " + scope.getName() + " " + scope.getVersion());
        attributes(b, "InstrumentationScope attributes", "     ->", scope.getAttributesList());
        for (int k = 0; k < ss.getSpansCount(); k++) {
          span(b, k, ss.getSpans(k));
        }
      }
    }
    return b.toString().stripTrailing();
  }

  private static void span(StringBuilder b, int index, Span span) {
    line(b, "Span #" + index);
    field(b, "Trace ID", Hex.encode(span.getTraceId()));
    field(b, "Parent ID", Hex.encode(span.getParentSpanId()));
    field(b, "ID", Hex.encode(span.getSpanId()));
    field(b, "Name", span.getName());
    field(b, "Kind", kind(span.getKind()));
    if (!span.getTraceState().isEmpty()) {
      field(b, "TraceState", span.getTraceState());
    }
    field(b, "Start time", timestamp(span.getStartTimeUnixNano()));
    field(b, "End time", timestamp(span.getEndTimeUnixNano()));
    field(b, "Status code", status(span.getStatus().getCode()));
    field(b, "Status message", span.getStatus().getMessage());
    attributes(b, "Attributes", "     ->", span.getAttributesList());
    if (span.getEventsCount() > 0) {
      line(b, "Events:");
      for (int i = 0; i < span.getEventsCount(); i++) {
        Span.Event e = span.getEvents(i);
        line(b, "SpanEvent #" + i);
        line(b, "     -> Name: " + e.getName());
        line(b, "     -> Timestamp: " + timestamp(e.getTimeUnixNano()));
        line(b, "     -> DroppedAttributesCount: " + e.getDroppedAttributesCount());
        attributes(b, "     -> Attributes:", "     ->      ->", e.getAttributesList());
      }
    }
    if (span.getLinksCount() > 0) {
      line(b, "Links:");
      for (int i = 0; i < span.getLinksCount(); i++) {
        Span.Link l = span.getLinks(i);
        line(b, "SpanLink #" + i);
        line(b, "     -> Trace ID: " + Hex.encode(l.getTraceId()));
        line(b, "     -> ID: " + Hex.encode(l.getSpanId()));
        line(b, "     -> TraceState: " + l.getTraceState());
        line(b, "     -> DroppedAttributesCount: " + l.getDroppedAttributesCount());
        attributes(b, "     -> Attributes:", "     ->      ->", l.getAttributesList());
      }
    }
  }

  private static void attributes(StringBuilder b, String header, String prefix, List<KeyValue> attrs) {
    if (attrs.isEmpty()) {
      return;
    }
    line(b, header.endsWith(":") ? header : header + ":");
    for (KeyValue kv : attrs) {
      line(b, prefix + " " + kv.getKey() + ": " + typed(kv.getValue()));
    }
  }

  private static void line(StringBuilder b, String text) {
    b.append(text).append('\n');
  }

  private static void field(StringBuilder b, String name, String value) {
    line(b, String.format("    %-15s: %s", name, value));
  }

  /** {@code Str(GET)}, {@code Int(200)}: the value's type and its text. */
  static String typed(AnyValue v) {
    return type(v) + "(" + raw(v) + ")";
  }

  private static String type(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE: return "Str";
      case BOOL_VALUE: return "Bool";
      case INT_VALUE: return "Int";
      case DOUBLE_VALUE: return "Double";
      case ARRAY_VALUE: return "Slice";
      case KVLIST_VALUE: return "Map";
      case BYTES_VALUE: return "Bytes";
      default: return "Empty";
    }
  }

  /** The value as text: strings as they are, lists and maps as JSON, bytes in base64. */
  static String raw(AnyValue v) {
    return AnyValues.asString(v);
  }

  private static String kind(Span.SpanKind kind) {
    switch (kind) {
      case SPAN_KIND_INTERNAL: return "Internal";
      case SPAN_KIND_SERVER: return "Server";
      case SPAN_KIND_CLIENT: return "Client";
      case SPAN_KIND_PRODUCER: return "Producer";
      case SPAN_KIND_CONSUMER: return "Consumer";
      default: return "Unspecified";
    }
  }

  private static String status(io.opentelemetry.proto.trace.v1.Status.StatusCode code) {
    switch (code) {
      case STATUS_CODE_OK: return "Ok";
      case STATUS_CODE_ERROR: return "Error";
      default: return "Unset";
    }
  }

  /** As Go prints a time: {@code 2023-11-11 04:49:03.509369393 +0000 UTC}, without trailing zeros. */
  static String timestamp(long unixNanos) {
    Instant t = Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L));
    StringBuilder b = new StringBuilder(SECONDS.format(t));
    if (t.getNano() != 0) {
      String frac = String.format("%09d", t.getNano());
      int end = frac.length();
      while (frac.charAt(end - 1) == '0') {
        end--;
      }
      b.append('.').append(frac, 0, end);
    }
    return b.append(" +0000 UTC").toString();
  }
}
