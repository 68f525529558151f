package dev.skein.storage.cassandra;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** How a span is laid out in a row of {@code spans}, and read back. */
final class Rows {
  private Rows() {}

  /** A span with its resource and scope headers, serialized. */
  record SpanRow(ByteBuffer key, long startNanos, ByteBuffer resource, ByteBuffer scope, ByteBuffer span) {}

  /**
   * The row of {@code span} under the headers. The key is a SHA-256 digest (first 16 bytes) of the
   * three serialized parts, each prefixed with its length, so that the same span under the same
   * headers always lands in the same row, and spans that merely share an ID do not.
   */
  static SpanRow row(ByteString resourceHeader, ByteString scopeHeader, Span span) {
    ByteString spanBytes = span.toByteString();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    for (ByteString part : new ByteString[] {resourceHeader, scopeHeader, spanBytes}) {
      sha.update(ByteBuffer.allocate(4).putInt(0, part.size()));
      sha.update(part.asReadOnlyByteBuffer());
    }
    byte[] key = Arrays.copyOf(sha.digest(), 16);
    return new SpanRow(ByteBuffer.wrap(key), span.getStartTimeUnixNano(), resourceHeader.asReadOnlyByteBuffer(),
        scopeHeader.asReadOnlyByteBuffer(), spanBytes.asReadOnlyByteBuffer());
  }

  static ByteString header(ResourceSpans rs) {
    return (rs.getScopeSpansCount() == 0 ? rs : rs.toBuilder().clearScopeSpans().build()).toByteString();
  }

  static ByteString header(ScopeSpans ss) {
    return (ss.getSpansCount() == 0 ? ss : ss.toBuilder().clearSpans().build()).toByteString();
  }

  /** Collects rows back into a batch, parsing each distinct header once. */
  static final class Collector {
    private final Traces.Builder builder = Traces.builder();
    private final Map<ByteBuffer, ResourceSpans> resources = new HashMap<>();
    private final Map<ByteBuffer, ScopeSpans> scopes = new HashMap<>();
    private int count;

    void add(ByteBuffer resource, ByteBuffer scope, ByteBuffer span) throws InvalidProtocolBufferException {
      ResourceSpans rs = resources.get(resource);
      if (rs == null) {
        rs = ResourceSpans.parseFrom(resource.duplicate());
        resources.put(resource, rs);
      }
      ScopeSpans ss = scopes.get(scope);
      if (ss == null) {
        ss = ScopeSpans.parseFrom(scope.duplicate());
        scopes.put(scope, ss);
      }
      builder.add(rs, ss, Span.parseFrom(span.duplicate()));
      count++;
    }

    int count() {
      return count;
    }

    Traces build() {
      return builder.build();
    }
  }
}
