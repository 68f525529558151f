package dev.skein.jaeger;

import com.google.protobuf.ByteString;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** OTLP to Jaeger, as the Collector's {@code traces_to_jaegerproto.go}; see {@link JaegerTranslator}. */
final class ToBatches {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private ToBatches() {}

  static List<Model.Batch> convert(Traces traces) {
    List<Model.Batch> out = new ArrayList<>(traces.resourceSpans().size());
    for (ResourceSpans rs : traces.resourceSpans()) {
      Model.Batch.Builder batch = Model.Batch.newBuilder().setProcess(process(rs.getResource()));
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          batch.addSpans(span(span, ss.getScope()));
        }
      }
      // A batch without spans carries nothing a Jaeger backend keeps.
      if (batch.getSpansCount() > 0) {
        out.add(batch.build());
      }
    }
    return out;
  }

  static Model.Process process(Resource resource) {
    Model.Process.Builder p = Model.Process.newBuilder();
    if (resource.getAttributesCount() == 0) {
      return p.setServiceName(Keys.NO_SERVICE_NAME).build();
    }
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals(Keys.SERVICE_NAME)) {
        p.setServiceName(kv.getValue().hasStringValue()
            ? kv.getValue().getStringValue() : asString(kv.getValue()));
      } else {
        p.addTags(tag(kv.getKey(), kv.getValue()));
      }
    }
    return p.build();
  }

  private static Model.Span span(Span span, InstrumentationScope scope) {
    ByteString traceId = fixed(span.getTraceId(), 16);
    Model.Span.Builder b = Model.Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(fixed(span.getSpanId(), 8))
        .setOperationName(span.getName())
        .setStartTime(timestamp(span.getStartTimeUnixNano()))
        .setDuration(duration(span.getEndTimeUnixNano() - span.getStartTimeUnixNano()));
    if ((span.getFlags() & Keys.SAMPLED) != 0) {
      b.setFlags(Keys.SAMPLED);
    }
    references(b, span, traceId);
    tags(b, span, scope);
    for (Span.Event event : span.getEventsList()) {
      b.addLogs(log(event));
    }
    return b.build();
  }

  /** The parent first, as CHILD_OF, then one reference per link; a link to the parent only sets its type. */
  private static void references(Model.Span.Builder b, Span span, ByteString traceId) {
    ByteString parent = isZero(span.getParentSpanId()) ? null : fixed(span.getParentSpanId(), 8);
    if (parent != null) {
      b.addReferences(Model.SpanRef.newBuilder().setTraceId(traceId).setSpanId(parent)
          .setRefType(Model.SpanRefType.CHILD_OF));
    }
    for (Span.Link link : span.getLinksList()) {
      ByteString linkTraceId = fixed(link.getTraceId(), 16);
      ByteString linkSpanId = fixed(link.getSpanId(), 8);
      Model.SpanRefType type = refType(link);
      if (parent != null && linkTraceId.equals(traceId) && linkSpanId.equals(parent)) {
        b.setReferences(0, b.getReferences(0).toBuilder().setRefType(type));
        continue;
      }
      b.addReferences(Model.SpanRef.newBuilder().setTraceId(linkTraceId).setSpanId(linkSpanId)
          .setRefType(type));
    }
  }

  private static Model.SpanRefType refType(Span.Link link) {
    for (KeyValue kv : link.getAttributesList()) {
      if (kv.getKey().equals(Keys.REF_TYPE)) {
        return kv.getValue().getStringValue().equals(Keys.CHILD_OF)
            ? Model.SpanRefType.CHILD_OF : Model.SpanRefType.FOLLOWS_FROM;
      }
    }
    return Model.SpanRefType.FOLLOWS_FROM;
  }

  private static void tags(Model.Span.Builder b, Span span, InstrumentationScope scope) {
    if (!scope.getName().isEmpty()) {
      b.addTags(stringTag(Keys.SCOPE_NAME, scope.getName()));
    }
    if (!scope.getVersion().isEmpty()) {
      b.addTags(stringTag(Keys.SCOPE_VERSION, scope.getVersion()));
    }
    for (KeyValue kv : span.getAttributesList()) {
      b.addTags(tag(kv.getKey(), kv.getValue()));
    }
    String kind = spanKind(span.getKind());
    if (kind != null) {
      b.addTags(stringTag(Keys.SPAN_KIND, kind));
    }
    Status.StatusCode code = span.getStatus().getCode();
    if (code == Status.StatusCode.STATUS_CODE_OK) {
      b.addTags(stringTag(Keys.STATUS_CODE, Keys.STATUS_OK));
    } else if (code == Status.StatusCode.STATUS_CODE_ERROR) {
      b.addTags(stringTag(Keys.STATUS_CODE, Keys.STATUS_ERROR));
      b.addTags(Model.KeyValue.newBuilder().setKey(Keys.ERROR).setVType(Model.ValueType.BOOL).setVBool(true));
    }
    if (!span.getStatus().getMessage().isEmpty()) {
      b.addTags(stringTag(Keys.STATUS_DESCRIPTION, span.getStatus().getMessage()));
    }
    if (!span.getTraceState().isEmpty()) {
      b.addTags(stringTag(Keys.TRACE_STATE, span.getTraceState()));
    }
    addCount(b::addTags, Keys.DROPPED_ATTRIBUTES, span.getDroppedAttributesCount());
    addCount(b::addTags, Keys.DROPPED_EVENTS, span.getDroppedEventsCount());
    addCount(b::addTags, Keys.DROPPED_LINKS, span.getDroppedLinksCount());
  }

  private static Model.Log log(Span.Event event) {
    Model.Log.Builder log = Model.Log.newBuilder().setTimestamp(timestamp(event.getTimeUnixNano()));
    if (!event.getName().isEmpty() && !hasKey(event.getAttributesList(), Keys.EVENT)) {
      log.addFields(stringTag(Keys.EVENT, event.getName()));
    }
    for (KeyValue kv : event.getAttributesList()) {
      log.addFields(tag(kv.getKey(), kv.getValue()));
    }
    addCount(log::addFields, Keys.DROPPED_ATTRIBUTES, event.getDroppedAttributesCount());
    return log.build();
  }

  static Model.KeyValue tag(String key, AnyValue value) {
    Model.KeyValue.Builder tag = Model.KeyValue.newBuilder().setKey(key);
    switch (value.getValueCase()) {
      case BOOL_VALUE:
        return tag.setVType(Model.ValueType.BOOL).setVBool(value.getBoolValue()).build();
      case INT_VALUE:
        return tag.setVType(Model.ValueType.INT64).setVInt64(value.getIntValue()).build();
      case DOUBLE_VALUE:
        return tag.setVType(Model.ValueType.FLOAT64).setVFloat64(value.getDoubleValue()).build();
      case BYTES_VALUE:
        return tag.setVType(Model.ValueType.BINARY).setVBinary(value.getBytesValue()).build();
      case STRING_VALUE:
        return tag.setVType(Model.ValueType.STRING).setVStr(value.getStringValue()).build();
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        return tag.setVType(Model.ValueType.STRING).setVStr(dev.skein.wire.jaeger.GoJson.write(value)).build();
      default:
        // An empty value is the zero tag, an empty string, as in the Collector.
        return tag.setVType(Model.ValueType.STRING).build();
    }
  }

  private static String asString(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(value.getBoolValue());
      case INT_VALUE:
        return Long.toString(value.getIntValue());
      case VALUE_NOT_SET:
        return "";
      default:
        return dev.skein.wire.jaeger.GoJson.write(value);
    }
  }

  private static Model.KeyValue stringTag(String key, String value) {
    return Model.KeyValue.newBuilder().setKey(key).setVType(Model.ValueType.STRING).setVStr(value).build();
  }

  private static void addCount(Consumer<Model.KeyValue> sink, String key, int count) {
    if (count != 0) {
      sink.accept(Model.KeyValue.newBuilder().setKey(key).setVType(Model.ValueType.INT64)
          .setVInt64(Integer.toUnsignedLong(count)).build());
    }
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

  /** OTLP's unsigned nanoseconds since the epoch. */
  static com.google.protobuf.Timestamp timestamp(long unixNanos) {
    return com.google.protobuf.Timestamp.newBuilder()
        .setSeconds(Long.divideUnsigned(unixNanos, NANOS_PER_SECOND))
        .setNanos((int) Long.remainderUnsigned(unixNanos, NANOS_PER_SECOND))
        .build();
  }

  /** A signed span of nanoseconds; negative when a span ends before it starts, as in the Collector. */
  static com.google.protobuf.Duration duration(long nanos) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(nanos / NANOS_PER_SECOND)
        .setNanos((int) (nanos % NANOS_PER_SECOND))
        .build();
  }

  /**
   * Jaeger's IDs have a fixed size on the wire. OTLP's should too; a shorter one is padded with
   * leading zero bytes and a longer one keeps its low-order bytes.
   */
  static ByteString fixed(ByteString id, int size) {
    if (id.size() == size) {
      return id;
    }
    if (id.size() < size) {
      return ByteString.copyFrom(new byte[size - id.size()]).concat(id);
    }
    return id.substring(id.size() - size);
  }

  private static boolean isZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasKey(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return true;
      }
    }
    return false;
  }
}
