package dev.skein.zipkin;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;

/**
 * Decodes Zipkin v2 spans, JSON or proto3 ({@code POST /api/v2/spans} bodies), into OTLP, the way
 * the OpenTelemetry Collector's Zipkin translator does. Immutable and thread-safe; no I/O.
 *
 * <p>The mapping:
 * <ul>
 *   <li>Spans are grouped into one {@code ResourceSpans} per {@code localEndpoint.serviceName}
 *       and, within it, one {@code ScopeSpans} per {@code otel.scope.name} (or the older
 *       {@code otel.library.name}) tag, ordered by those names. A group's resource and scope are
 *       taken from the tags of its first span: {@code service.name} is the local service name (or
 *       the key named by the tag {@code otlp.service.name.source}); resource semantic-convention
 *       tags such as {@code host.name} or {@code service.version} move to the resource. A span
 *       without a local service name gets an empty resource, and its resource tags are dropped.
 *   <li>IDs: a 64-bit trace ID is left-padded to 16 bytes. A parent ID equal to the span's own ID
 *       is dropped; an empty or all-zero one means a root span.
 *   <li>Kind: {@code CLIENT}, {@code SERVER}, {@code PRODUCER} and {@code CONSUMER} map to the
 *       OTLP kinds. Without one, the tag {@code span.kind=internal} means {@code INTERNAL}, and
 *       anything else {@code UNSPECIFIED}.
 *   <li>Times: microseconds become nanoseconds; end = start + duration. A span without a timestamp
 *       starts at 0 and gets the attribute {@code otel.zipkin.absentField.startTime=true}.
 *   <li>Status: the tags {@code otel.status_code} ({@code OK}, {@code ERROR} or the OTLP names)
 *       and {@code otel.status_description}; any {@code error} tag makes the status an error (and
 *       stays an attribute unless it is {@code "true"}).
 *   <li>{@code w3c.tracestate} becomes the trace state; {@code otlp.link.N} tags become links.
 *   <li>Other tags become string attributes, or typed ones with {@code parseStringTags}. The
 *       endpoints add {@code net.host.ip}, {@code net.host.port}, {@code peer.service},
 *       {@code net.peer.ip} and {@code net.peer.port} (semantic conventions v1.6.1, the names the
 *       Collector writes unless its {@code pkg.translator.zipkin} feature gates say otherwise).
 *   <li>Annotations become events; one written by an OpenTelemetry exporter
 *       ({@code name|{"attribute":...}|droppedCount}) gets its attributes back.
 *   <li>{@code debug} and {@code shared} have no OTLP counterpart and are not kept, as in the
 *       Collector.
 * </ul>
 *
 * <p>Where Skein differs from the Collector, it is stricter about IDs and lossless about content:
 * a missing or all-zero trace or span ID, and any malformed value, fail the whole request with a
 * message that names the value's path (the Collector lets invalid IDs through); tag values that
 * are JSON numbers or booleans are kept as text rather than refused; an annotation that is not in
 * the OpenTelemetry form keeps its whole value as the event name (the Collector cuts it at the
 * first {@code |} and fails on a non-JSON middle); with {@code parseStringTags}, integers beyond
 * 64 bits stay strings; {@code otel.scope.name} is read besides {@code otel.library.name}; the
 * specification's {@code otel.status_code} values {@code OK} and {@code ERROR} are understood (the
 * Collector knows only {@code STATUS_CODE_OK} and {@code Ok}, and loses an {@code OK}); an explicit
 * {@code peer.service} tag is kept, as the specification asks, where the Collector overwrites it
 * with the remote service name; a missing timestamp is marked in proto3 as in JSON.
 */
public final class ZipkinTranslator {
  private final OtlpMapping mapping;

  private ZipkinTranslator(boolean parseStringTags) {
    this.mapping = new OtlpMapping(parseStringTags);
  }

  /**
   * Returns a translator.
   *
   * @param parseStringTags whether tag values {@code "true"}, {@code "false"} and numbers become
   *     boolean, integer and double attributes instead of strings
   */
  public static ZipkinTranslator create(boolean parseStringTags) {
    return new ZipkinTranslator(parseStringTags);
  }

  /**
   * Decodes a JSON array of Zipkin v2 spans ({@code ListOfSpans}); {@code null} and {@code []}
   * are empty batches.
   *
   * @throws WireFormatException naming the JSON path of the first problem, e.g.
   *     {@code [3].traceId: "xyz" (expected: 16 or 32 hexadecimal characters)}
   */
  public Traces fromJson(byte[] json) {
    requireNonNull(json, "json");
    return Traces.of(mapping.map(JsonSpanReader.read(json)));
  }

  /**
   * Decodes a proto3 {@code zipkin.proto3.ListOfSpans}; no bytes is an empty batch.
   *
   * @throws WireFormatException naming the span and field of the first problem, e.g.
   *     {@code spans[3].trace_id: 5 bytes (expected: 8 or 16)}
   */
  public Traces fromProto3(byte[] proto) {
    requireNonNull(proto, "proto");
    return Traces.of(mapping.map(Proto3SpanReader.read(proto)));
  }
}
