package dev.skein.jaeger;

import com.google.protobuf.ByteString;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jaeger to OTLP, as the Collector's {@code jaegerproto_to_traces.go}; see {@link JaegerTranslator}. */
final class ToTraces {
  private static final ByteString ZERO_8 = ByteString.copyFrom(new byte[8]);
  private static final ByteString ZERO_16 = ByteString.copyFrom(new byte[16]);
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private ToTraces() {}

  /** A translated span with the scope its tags named. */
  private record Scoped(InstrumentationScope scope, Span span) {}

  /**
   * @param single whether {@code batches} is the one batch of a request, which messages then call
   *     {@code batch} (its field name in {@code PostSpansRequest}) rather than {@code batches[i]}
   */
  static Traces convert(List<Model.Batch> batches, boolean single) {
    // A span's own process wins over its batch's; spans of equal processes share one resource.
    Map<Model.Process, List<Scoped>> byProcess = new LinkedHashMap<>();
    for (int i = 0; i < batches.size(); i++) {
      Model.Batch batch = batches.get(i);
      String batchPath = single ? "batch" : "batches[" + i + "]";
      // Null when the batch has none: such spans share one resource without attributes.
      Model.Process batchProcess = batch.hasProcess() ? batch.getProcess() : null;
      for (int j = 0; j < batch.getSpansCount(); j++) {
        Model.Span span = batch.getSpans(j);
        if (span.equals(Model.Span.getDefaultInstance())) {
          continue;
        }
        Model.Process process = span.hasProcess() ? span.getProcess() : batchProcess;
        byProcess.computeIfAbsent(process, p -> new ArrayList<>())
            .add(span(span, batchPath + ".spans[" + j + "]"));
      }
    }
    List<ResourceSpans> out = new ArrayList<>(byProcess.size());
    byProcess.forEach((process, spans) -> {
      Map<InstrumentationScope, ScopeSpans.Builder> byScope = new LinkedHashMap<>();
      for (Scoped s : spans) {
        byScope.computeIfAbsent(s.scope(), ToTraces::scopeSpans).addSpans(s.span());
      }
      ResourceSpans.Builder rs = ResourceSpans.newBuilder();
      Resource resource = resource(process);
      // Empty messages stay unset, as OTLP senders leave them, so that equal data compares equal.
      if (!resource.equals(Resource.getDefaultInstance())) {
        rs.setResource(resource);
      }
      byScope.values().forEach(rs::addScopeSpans);
      out.add(rs.build());
    });
    return Traces.of(out);
  }

  private static ScopeSpans.Builder scopeSpans(InstrumentationScope scope) {
    ScopeSpans.Builder b = ScopeSpans.newBuilder();
    return scope.equals(InstrumentationScope.getDefaultInstance()) ? b : b.setScope(scope);
  }

  static Resource resource(@Nullable Model.Process process) {
    if (process == null || process.getServiceName().equals(Keys.NO_SERVICE_NAME)
        || (process.getServiceName().isEmpty() && process.getTagsCount() == 0)) {
      return Resource.getDefaultInstance();
    }
    Map<String, AnyValue> attrs = new LinkedHashMap<>();
    if (!process.getServiceName().isEmpty()) {
      attrs.put(Keys.SERVICE_NAME, string(process.getServiceName()));
    }
    putTags(attrs, process.getTagsList());
    // Jaeger clients name the host and themselves differently from OpenTelemetry.
    AnyValue hostname = attrs.get(Keys.HOSTNAME);
    if (hostname != null && !attrs.containsKey(Keys.HOST_NAME)) {
      attrs.remove(Keys.HOSTNAME);
      attrs.put(Keys.HOST_NAME, hostname);
    }
    AnyValue version = attrs.get(Keys.JAEGER_VERSION);
    if (version != null && !attrs.containsKey(Keys.EXPORTER_VERSION)) {
      attrs.remove(Keys.JAEGER_VERSION);
      attrs.put(Keys.EXPORTER_VERSION, string("Jaeger-" + version.getStringValue()));
    }
    return Resource.newBuilder().addAllAttributes(keyValues(attrs)).build();
  }

  private static Scoped span(Model.Span in, String path) {
    ByteString traceId = traceId(in.getTraceId(), path + ".trace_id");
    ByteString spanId = spanId(in.getSpanId(), path + ".span_id");
    long start = nanos(in.getStartTime());
    Span.Builder out = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(spanId)
        .setName(in.getOperationName())
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + nanos(in.getDuration()));
    if ((in.getFlags() & Keys.SAMPLED) != 0) {
      out.setFlags(Keys.SAMPLED);
    }
    List<ByteString[]> refs = references(in, path);
    ByteString parent = parent(in, traceId, refs);
    if (!parent.equals(ZERO_8)) {
      out.setParentSpanId(parent);
    }

    List<Model.KeyValue> tags = new ArrayList<>(in.getTagsList());
    InstrumentationScope scope = scope(tags);
    Map<String, AnyValue> attrs = new LinkedHashMap<>();
    putTags(attrs, tags);
    AnyValue kind = attrs.remove(Keys.SPAN_KIND);
    if (kind != null) {
      out.setKind(spanKind(kind.getStringValue()));
    }
    status(attrs, out);
    AnyValue traceState = attrs.remove(Keys.TRACE_STATE);
    if (traceState != null) {
      out.setTraceState(traceState.getStringValue());
    }
    out.setDroppedAttributesCount(takeCount(attrs, Keys.DROPPED_ATTRIBUTES));
    out.setDroppedEventsCount(takeCount(attrs, Keys.DROPPED_EVENTS));
    out.setDroppedLinksCount(takeCount(attrs, Keys.DROPPED_LINKS));
    out.addAllAttributes(keyValues(attrs));

    for (Model.Log log : in.getLogsList()) {
      out.addEvents(event(log));
    }
    for (int i = 0; i < in.getReferencesCount(); i++) {
      Model.SpanRef ref = in.getReferences(i);
      boolean childOf = ref.getRefType() == Model.SpanRefType.CHILD_OF;
      // As in the Collector, the parent's CHILD_OF reference is the parent, not also a link.
      if (childOf && refs.get(i)[1].equals(parent)) {
        continue;
      }
      out.addLinks(Span.Link.newBuilder()
          .setTraceId(refs.get(i)[0])
          .setSpanId(refs.get(i)[1])
          .addAttributes(keyValue(Keys.REF_TYPE, string(childOf ? Keys.CHILD_OF : Keys.FOLLOWS_FROM))));
    }
    return new Scoped(scope, out.build());
  }

  /** Each reference's trace and span ID, checked and widened to OTLP's sizes. */
  private static List<ByteString[]> references(Model.Span in, String path) {
    List<ByteString[]> out = new ArrayList<>(in.getReferencesCount());
    for (int i = 0; i < in.getReferencesCount(); i++) {
      Model.SpanRef ref = in.getReferences(i);
      String refPath = path + ".references[" + i + "]";
      out.add(new ByteString[] {
          traceId(ref.getTraceId(), refPath + ".trace_id"), spanId(ref.getSpanId(), refPath + ".span_id")});
    }
    return out;
  }

  /**
   * Jaeger's rule ({@code Span.ParentSpanID}): the first CHILD_OF reference within the span's
   * trace, else the first FOLLOWS_FROM one, else none (zero).
   */
  private static ByteString parent(Model.Span in, ByteString traceId, List<ByteString[]> refs) {
    ByteString followsFrom = null;
    for (int i = 0; i < refs.size(); i++) {
      if (!refs.get(i)[0].equals(traceId)) {
        continue;
      }
      Model.SpanRefType type = in.getReferences(i).getRefType();
      if (type == Model.SpanRefType.CHILD_OF) {
        return refs.get(i)[1];
      }
      if (followsFrom == null && type == Model.SpanRefType.FOLLOWS_FROM) {
        followsFrom = refs.get(i)[1];
      }
    }
    return followsFrom != null ? followsFrom : ZERO_8;
  }

  /**
   * Takes the scope from the first {@code otel.scope.name} tag (or the older
   * {@code otel.library.name}) and, only with a name, its version, removing the tags it used.
   */
  private static InstrumentationScope scope(List<Model.KeyValue> tags) {
    String nameKey = Keys.SCOPE_NAME;
    String versionKey = Keys.SCOPE_VERSION;
    String name = take(tags, nameKey);
    if (name == null) {
      nameKey = Keys.LIBRARY_NAME;
      versionKey = Keys.LIBRARY_VERSION;
      name = take(tags, nameKey);
    }
    if (name == null) {
      return InstrumentationScope.getDefaultInstance();
    }
    String version = take(tags, versionKey);
    return InstrumentationScope.newBuilder().setName(name).setVersion(version == null ? "" : version).build();
  }

  private static @Nullable String take(List<Model.KeyValue> tags, String key) {
    for (int i = 0; i < tags.size(); i++) {
      if (tags.get(i).getKey().equals(key)) {
        return tags.remove(i).getVStr();
      }
    }
    return null;
  }

  /**
   * The Collector's precedence: a boolean {@code error = true} tag means ERROR; otherwise
   * {@code otel.status_code} names the code; otherwise an HTTP status code attribute implies it.
   */
  private static void status(Map<String, AnyValue> attrs, Span.Builder span) {
    Status.StatusCode code = Status.StatusCode.STATUS_CODE_UNSET;
    String message = "";
    boolean exists = false;
    AnyValue error = attrs.get(Keys.ERROR);
    if (error != null && error.hasBoolValue() && error.getBoolValue()) {
      code = Status.StatusCode.STATUS_CODE_ERROR;
      attrs.remove(Keys.ERROR);
      exists = true;
      AnyValue description = attrs.remove(Keys.STATUS_DESCRIPTION);
      if (description != null) {
        message = description.getStringValue();
      } else if (attrs.containsKey(Keys.HTTP_STATUS_MESSAGE)) {
        message = attrs.get(Keys.HTTP_STATUS_MESSAGE).getStringValue();
      }
    }
    AnyValue codeTag = attrs.remove(Keys.STATUS_CODE);
    if (codeTag != null) {
      if (!exists) {
        exists = true;
        String name = codeTag.getStringValue().toUpperCase(Locale.ROOT);
        if (name.equals(Keys.STATUS_OK)) {
          code = Status.StatusCode.STATUS_CODE_OK;
        } else if (name.equals(Keys.STATUS_ERROR)) {
          code = Status.StatusCode.STATUS_CODE_ERROR;
        }
        AnyValue description = attrs.remove(Keys.STATUS_DESCRIPTION);
        if (description != null) {
          message = description.getStringValue();
        }
      }
    } else if (!exists) {
      AnyValue http = attrs.containsKey(Keys.HTTP_STATUS_CODE)
          ? attrs.get(Keys.HTTP_STATUS_CODE) : attrs.get(Keys.HTTP_RESPONSE_STATUS_CODE);
      Long httpCode = http == null ? null : httpCode(http);
      if (httpCode != null) {
        Status.StatusCode fromHttp = fromHttp(httpCode, span.getKind());
        if (fromHttp != Status.StatusCode.STATUS_CODE_UNSET) {
          exists = true;
          code = fromHttp;
        }
        AnyValue httpMessage = attrs.get(Keys.HTTP_STATUS_MESSAGE);
        if (httpMessage != null) {
          message = httpMessage.getStringValue();
        }
      }
    }
    if (exists) {
      span.setStatus(Status.newBuilder().setCode(code).setMessage(message));
    }
  }

  private static @Nullable Long httpCode(AnyValue v) {
    if (v.hasIntValue()) {
      return v.getIntValue();
    }
    if (v.hasStringValue()) {
      try {
        return Long.parseLong(v.getStringValue());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** HTTP semantic conventions: 4xx is an error for a client only, 5xx and non-codes always. */
  private static Status.StatusCode fromHttp(long code, Span.SpanKind kind) {
    if (code >= 400 && code < 500) {
      if (kind == Span.SpanKind.SPAN_KIND_CLIENT) {
        return Status.StatusCode.STATUS_CODE_ERROR;
      }
      if (kind == Span.SpanKind.SPAN_KIND_SERVER) {
        return Status.StatusCode.STATUS_CODE_UNSET;
      }
    }
    return code >= 100 && code < 400 ? Status.StatusCode.STATUS_CODE_UNSET : Status.StatusCode.STATUS_CODE_ERROR;
  }

  private static Span.Event event(Model.Log log) {
    Span.Event.Builder event = Span.Event.newBuilder().setTimeUnixNano(nanos(log.getTimestamp()));
    Map<String, AnyValue> attrs = new LinkedHashMap<>();
    putTags(attrs, log.getFieldsList());
    AnyValue name = attrs.remove(Keys.EVENT);
    if (name != null) {
      event.setName(name.getStringValue());
    }
    event.setDroppedAttributesCount(takeCount(attrs, Keys.DROPPED_ATTRIBUTES));
    return event.addAllAttributes(keyValues(attrs)).build();
  }

  /** Removes a dropped count Skein wrote (an int64 that fits OTLP's uint32) and returns it, else 0. */
  private static int takeCount(Map<String, AnyValue> attrs, String key) {
    AnyValue v = attrs.get(key);
    if (v == null || !v.hasIntValue() || v.getIntValue() < 0 || v.getIntValue() > 0xFFFF_FFFFL) {
      return 0;
    }
    attrs.remove(key);
    return (int) v.getIntValue();
  }

  /** Later tags with the same key replace earlier ones in place, as pcommon.Map's Put does. */
  private static void putTags(Map<String, AnyValue> attrs, List<Model.KeyValue> tags) {
    for (Model.KeyValue tag : tags) {
      attrs.put(tag.getKey(), value(tag));
    }
  }

  static AnyValue value(Model.KeyValue tag) {
    switch (tag.getVTypeValue()) {
      case Model.ValueType.STRING_VALUE:
        return string(tag.getVStr());
      case Model.ValueType.BOOL_VALUE:
        return AnyValue.newBuilder().setBoolValue(tag.getVBool()).build();
      case Model.ValueType.INT64_VALUE:
        return AnyValue.newBuilder().setIntValue(tag.getVInt64()).build();
      case Model.ValueType.FLOAT64_VALUE:
        return AnyValue.newBuilder().setDoubleValue(tag.getVFloat64()).build();
      case Model.ValueType.BINARY_VALUE:
        return AnyValue.newBuilder().setBytesValue(tag.getVBinary()).build();
      default:
        return string("<Unknown Jaeger TagType \"" + tag.getVTypeValue() + "\">");
    }
  }

  private static Span.SpanKind spanKind(String kind) {
    switch (kind) {
      case "client":
        return Span.SpanKind.SPAN_KIND_CLIENT;
      case "server":
        return Span.SpanKind.SPAN_KIND_SERVER;
      case "producer":
        return Span.SpanKind.SPAN_KIND_PRODUCER;
      case "consumer":
        return Span.SpanKind.SPAN_KIND_CONSUMER;
      case "internal":
        return Span.SpanKind.SPAN_KIND_INTERNAL;
      default:
        return Span.SpanKind.SPAN_KIND_UNSPECIFIED;
    }
  }

  /** Jaeger reads a 16-byte trace ID, an 8-byte one as the low half, and an absent one as zero. */
  private static ByteString traceId(ByteString id, String path) {
    switch (id.size()) {
      case 16:
        return id;
      case 8:
        return ZERO_8.concat(id);
      case 0:
        return ZERO_16;
      default:
        throw new WireFormatException(path, id.size() + " bytes (expected: 16, or 8 for a 64-bit trace ID)");
    }
  }

  private static ByteString spanId(ByteString id, String path) {
    switch (id.size()) {
      case 8:
        return id;
      case 0:
        return ZERO_8;
      default:
        throw new WireFormatException(path, id.size() + " bytes (expected: 8)");
    }
  }

  /** Nanoseconds since the epoch, as OTLP's unsigned 64 bits hold them. */
  private static long nanos(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * NANOS_PER_SECOND + t.getNanos();
  }

  private static long nanos(com.google.protobuf.Duration d) {
    return d.getSeconds() * NANOS_PER_SECOND + d.getNanos();
  }

  private static AnyValue string(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static KeyValue keyValue(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static List<KeyValue> keyValues(Map<String, AnyValue> attrs) {
    List<KeyValue> out = new ArrayList<>(attrs.size());
    attrs.forEach((k, v) -> out.add(keyValue(k, v)));
    return out;
  }
}
