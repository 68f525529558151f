package dev.skein.storage.embedded;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.skein.model.Hex;
import dev.skein.model.Ids;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.Traces;
import dev.skein.storage.StorageException;
import dev.skein.storage.search.AttributeValues;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One written {@link Traces} turned into table rows. Built on the caller's thread, so the
 * serialization and hashing work is spread over the writers and the single database writer thread
 * only appends.
 */
final class Batch {
  final List<ResourceRow> resources;
  final List<ScopeRow> scopes;
  final List<SpanRow> spans;

  private Batch(List<ResourceRow> resources, List<ScopeRow> scopes, List<SpanRow> spans) {
    this.resources = resources;
    this.scopes = scopes;
    this.spans = spans;
  }

  int spanCount() {
    return spans.size();
  }

  /**
   * Converts {@code traces}.
   *
   * @throws StorageException (not retryable) when a span's trace ID is not valid: such a span
   *     could never be read back by its trace, so the batch is refused whole
   */
  static Batch of(Traces traces) {
    List<ResourceRow> resources = new ArrayList<>();
    List<ScopeRow> scopes = new ArrayList<>();
    List<SpanRow> spans = new ArrayList<>(traces.spanCount());
    for (ResourceSpans rs : traces.resourceSpans()) {
      byte[] resourcePayload = rs.toBuilder().clearScopeSpans().build().toByteArray();
      long resourceId = contentId(resourcePayload);
      String service = Resources.serviceName(rs.getResource());
      resources.add(new ResourceRow(resourceId, service, resourcePayload,
          attributes(rs.getResource().getAttributesList())));
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        byte[] scopePayload = ss.toBuilder().clearSpans().build().toByteArray();
        long scopeId = contentId(scopePayload);
        scopes.add(new ScopeRow(scopeId, ss.getScope().getName(), ss.getScope().getVersion(),
            scopePayload));
        for (Span span : ss.getSpansList()) {
          ByteString traceId = span.getTraceId();
          if (!Ids.isValidTraceId(traceId)) {
            throw new StorageException("span \"" + span.getName() + "\" has trace ID \""
                + Hex.encode(traceId) + "\" (expected: 16 bytes, not all zero);"
                + " the batch was not stored", false, null);
          }
          spans.add(new SpanRow(span, service, resourceId, scopeId));
        }
      }
    }
    return new Batch(resources, scopes, spans);
  }

  /**
   * A stable 64-bit ID for a header, so equal headers from any batch, process or restart share one
   * row. The first 8 bytes of SHA-256: a collision needs billions of distinct headers.
   */
  static long contentId(byte[] payload) {
    return ByteBuffer.wrap(sha256().digest(payload)).getLong();
  }

  /**
   * A span's identity for deduplication: the span's bytes under its resource and scope. Spans that
   * share a span ID but differ in anything else (Zipkin's client and server halves) differ here.
   */
  static long spanKey(byte[] payload, long resourceId, long scopeId) {
    MessageDigest d = sha256();
    d.update(ByteBuffer.allocate(16).putLong(resourceId).putLong(scopeId).array());
    return ByteBuffer.wrap(d.digest(payload)).getLong();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  static List<AttributeRow> attributes(List<KeyValue> attributes) {
    List<AttributeRow> out = new ArrayList<>(attributes.size());
    for (KeyValue kv : attributes) {
      out.add(AttributeRow.of(kv));
    }
    return out;
  }

  record ResourceRow(long id, String service, byte[] payload, List<AttributeRow> attributes) {}

  record ScopeRow(long id, String name, String version, byte[] payload) {}

  /**
   * An attribute as the attribute tables hold it: the value's type (the {@code AnyValue} field
   * number) and its text form.
   */
  record AttributeRow(String key, byte type, String text) {
    static AttributeRow of(KeyValue kv) {
      AnyValue v = kv.getValue();
      return new AttributeRow(kv.getKey(), (byte) v.getValueCase().getNumber(), AttributeValues.text(v));
    }
  }

  static final class SpanRow {
    final Span span;
    final byte[] traceId;
    final byte[] spanId;
    @Nullable final byte[] parentSpanId;
    final String service;
    final byte kind;
    final byte statusCode;
    final long resourceId;
    final long scopeId;
    final long key;
    final byte[] payload;
    final List<AttributeRow> attributes;

    SpanRow(Span span, String service, long resourceId, long scopeId) {
      this.span = span;
      this.traceId = span.getTraceId().toByteArray();
      this.spanId = span.getSpanId().toByteArray();
      this.parentSpanId = span.getParentSpanId().isEmpty() ? null : span.getParentSpanId().toByteArray();
      this.service = service;
      this.kind = smallEnum(span.getKindValue());
      this.statusCode = smallEnum(span.getStatus().getCodeValue());
      this.resourceId = resourceId;
      this.scopeId = scopeId;
      byte[] bytes = span.toByteArray();
      this.key = spanKey(bytes, resourceId, scopeId);
      this.payload = withoutColumns(bytes);
      this.attributes = attributes(span.getAttributesList());
    }

    OperationKey operation() {
      return new OperationKey(service, span.getName(), kind);
    }
  }

  /**
   * A serialized span without the fields the {@code spans} table holds exactly in columns of its
   * own (trace ID, span ID, parent span ID, start and end time); {@link #withColumns} puts them
   * back. IDs and times are random bytes to a compressor, so storing them once saves more than
   * their length. Every other field, unknown ones included, is copied as it is.
   */
  static byte[] withoutColumns(byte[] span) {
    byte[] out = new byte[span.length];
    int length = 0;
    CodedInputStream in = CodedInputStream.newInstance(span);
    try {
      while (true) {
        int from = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        in.skipField(tag);
        int field = WireFormat.getTagFieldNumber(tag);
        if (field != Span.TRACE_ID_FIELD_NUMBER && field != Span.SPAN_ID_FIELD_NUMBER
            && field != Span.PARENT_SPAN_ID_FIELD_NUMBER && field != Span.START_TIME_UNIX_NANO_FIELD_NUMBER
            && field != Span.END_TIME_UNIX_NANO_FIELD_NUMBER) {
          int to = in.getTotalBytesRead();
          System.arraycopy(span, from, out, length, to - from);
          length += to - from;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("a span protobuf just serialized does not parse", e);
    }
    return Arrays.copyOf(out, length);
  }

  /**
   * The span stored as {@code payload} (by {@link #withoutColumns}, or whole by earlier versions)
   * with the fields kept in columns set from them.
   */
  static Span withColumns(byte[] payload, ByteString traceId, byte[] spanId, @Nullable byte[] parentSpanId,
      long startNanos, long endNanos) throws InvalidProtocolBufferException {
    Span.Builder b = Span.newBuilder().mergeFrom(payload)
        .setTraceId(traceId)
        .setSpanId(ByteString.copyFrom(spanId))
        .setStartTimeUnixNano(startNanos)
        .setEndTimeUnixNano(endNanos);
    if (parentSpanId != null) {
      b.setParentSpanId(ByteString.copyFrom(parentSpanId));
    }
    return b.build();
  }

  /** An enum number for a TINYINT column; values no specification defines are stored as 0. */
  private static byte smallEnum(int value) {
    return value >= 0 && value <= Byte.MAX_VALUE ? (byte) value : 0;
  }

  /** A row of the operations table. */
  record OperationKey(String service, String name, byte kind) {}
}
