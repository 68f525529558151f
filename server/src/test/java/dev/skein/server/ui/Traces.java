package dev.skein.server.ui;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds OTLP traces for the browser tests: spans grouped into one resource per service. */
final class Traces {
  private final String traceId;
  private final long baseNanos;
  private final Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();

  /** A trace whose offsets count in milliseconds from {@code baseNanos}. */
  Traces(String traceId, long baseNanos) {
    this.traceId = traceId;
    this.baseNanos = baseNanos;
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  /** Adds a span from {@code startMs} to {@code endMs} after the base; the builder allows more fields. */
  Span.Builder span(String service, String spanId, String parentId, String name, Span.SpanKind kind, double startMs, double endMs) {
    Span.Builder s = Span.newBuilder()
        .setTraceId(ByteString.fromHex(traceId))
        .setSpanId(ByteString.fromHex(spanId))
        .setName(name)
        .setKind(kind)
        .setStartTimeUnixNano(baseNanos + Math.round(startMs * 1_000_000))
        .setEndTimeUnixNano(baseNanos + Math.round(endMs * 1_000_000));
    if (parentId != null) {
      s.setParentSpanId(ByteString.fromHex(parentId));
    }
    ScopeSpans.Builder scope = byService.computeIfAbsent(service, k -> ScopeSpans.newBuilder()
        .setScope(InstrumentationScope.newBuilder().setName("dev.skein.test").setVersion("1.0.0")));
    scope.addSpans(s);
    return scope.getSpansBuilder(scope.getSpansCount() - 1);
  }

  static Status error(String message) {
    return Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage(message).build();
  }

  static Span.Event event(long timeNanos, String name, KeyValue... attributes) {
    Span.Event.Builder e = Span.Event.newBuilder().setTimeUnixNano(timeNanos).setName(name);
    for (KeyValue kv : attributes) {
      e.addAttributes(kv);
    }
    return e.build();
  }

  long nanos(double offsetMs) {
    return baseNanos + Math.round(offsetMs * 1_000_000);
  }

  ExportTraceServiceRequest request() {
    ExportTraceServiceRequest.Builder r = ExportTraceServiceRequest.newBuilder();
    byService.forEach((service, scope) -> r.addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))
            .addAttributes(attr("host.name", "host-1")))
        .addScopeSpans(scope)));
    return r.build();
  }
}
