package dev.skein.zipkin;

import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;
import java.util.List;
import java.util.Map;

/**
 * One Zipkin v2 span as decoded from either encoding, already validated: IDs are checked and
 * padded, IP addresses are in their canonical text form, times are non-negative microseconds.
 *
 * @param path where the span is in the request ({@code [3]} for JSON, {@code spans[3]} for
 *     proto3), the prefix of error messages about it
 * @param traceId 16 bytes, a 64-bit ID left-padded with zeros
 * @param spanId 8 bytes
 * @param parentId 8 bytes, or null for a root span
 * @param kind {@code CLIENT}, {@code SERVER}, {@code PRODUCER}, {@code CONSUMER}, another word the
 *     sender used, or null when absent
 * @param timestampMicros epoch microseconds, 0 when absent
 * @param tags in the order they were sent
 */
record ZipkinSpan(
    String path,
    ByteString traceId,
    ByteString spanId,
    @Nullable ByteString parentId,
    String name,
    @Nullable String kind,
    long timestampMicros,
    long durationMicros,
    @Nullable Endpoint localEndpoint,
    @Nullable Endpoint remoteEndpoint,
    List<Annotation> annotations,
    Map<String, String> tags,
    boolean debug,
    boolean shared) {

  /**
   * The network context of one side of a span.
   *
   * @param serviceName empty when absent
   * @param ipv4 canonical text form, or null
   * @param ipv6 canonical text form, or null
   * @param port 0 when absent
   */
  record Endpoint(String serviceName, @Nullable String ipv4, @Nullable String ipv6, int port) {}

  /** An event: epoch microseconds and a value. */
  record Annotation(long timestampMicros, String value) {}
}
