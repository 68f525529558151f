package dev.skein.bench;

import dev.skein.model.Hex;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

/**
 * The span mix as a Zipkin v2 JSON list, encoded by Zipkin's own library the way an instrumented
 * application (or the Collector's zipkin exporter) would send it: the service name as the local
 * endpoint, attributes as tags, events as annotations, an error status as the {@code error} tag.
 */
final class ZipkinJson {
  private ZipkinJson() {}

  static byte[] encode(ExportTraceServiceRequest request) {
    List<zipkin2.Span> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      String service = "unknown";
      for (KeyValue kv : rs.getResource().getAttributesList()) {
        if (kv.getKey().equals("service.name")) {
          service = kv.getValue().getStringValue();
        }
      }
      Endpoint local = Endpoint.newBuilder().serviceName(service).build();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          out.add(convert(span, local));
        }
      }
    }
    return SpanBytesEncoder.JSON_V2.encodeList(out);
  }

  private static zipkin2.Span convert(Span span, Endpoint local) {
    long startMicros = span.getStartTimeUnixNano() / 1000;
    zipkin2.Span.Builder b = zipkin2.Span.newBuilder()
        .traceId(Hex.encode(span.getTraceId()))
        .id(Hex.encode(span.getSpanId()))
        .name(span.getName())
        .timestamp(startMicros)
        .duration(Math.max(1, (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1000))
        .localEndpoint(local);
    if (!span.getParentSpanId().isEmpty()) {
      b.parentId(Hex.encode(span.getParentSpanId()));
    }
    switch (span.getKind()) {
      case SPAN_KIND_SERVER -> b.kind(zipkin2.Span.Kind.SERVER);
      case SPAN_KIND_CLIENT -> b.kind(zipkin2.Span.Kind.CLIENT);
      case SPAN_KIND_PRODUCER -> b.kind(zipkin2.Span.Kind.PRODUCER);
      case SPAN_KIND_CONSUMER -> b.kind(zipkin2.Span.Kind.CONSUMER);
      default -> { }
    }
    String peer = null;
    for (KeyValue kv : span.getAttributesList()) {
      b.putTag(kv.getKey(), text(kv.getValue()));
      if (kv.getKey().equals("peer.service")) {
        peer = kv.getValue().getStringValue();
      }
    }
    if (peer != null) {
      b.remoteEndpoint(Endpoint.newBuilder().serviceName(peer).build());
    }
    for (Span.Event e : span.getEventsList()) {
      b.addAnnotation(e.getTimeUnixNano() / 1000, e.getName());
    }
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      b.putTag("error", span.getStatus().getMessage().isEmpty() ? "true" : span.getStatus().getMessage());
    }
    return b.build();
  }

  private static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      default -> v.toString();
    };
  }
}
