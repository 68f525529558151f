package dev.skein.wire.otlp;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.UninitializedMessageException;
import dev.skein.wire.WireFormatException;
import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The OTLP/JSON encoding ("JSON Protobuf Encoding" of the OTLP specification) for any protobuf
 * message: {@code ExportTraceServiceRequest}, {@code TracesData}, {@code ExportTraceServiceResponse},
 * {@code google.rpc.Status} and the rest.
 *
 * <p>It is proto3 JSON with the specification's deviations, which {@code JsonFormat} does not
 * make:
 * <ul>
 *   <li>{@code traceId}, {@code spanId} and {@code parentSpanId} (the bytes fields
 *       {@code trace_id}, {@code span_id} and {@code parent_span_id} of every message in the
 *       {@code opentelemetry.proto} packages) are hexadecimal strings, case-insensitive when
 *       decoding and lower-case when encoding; an empty string is empty bytes. Other bytes fields
 *       are base64.
 *   <li>Enums are integers. A name is an error when decoding.
 *   <li>Keys are the lowerCamelCase JSON names only. The original snake_case names are unknown
 *       keys, and unknown keys are ignored with their whole value.
 * </ul>
 *
 * <p>Decoding also follows proto3 JSON: 64-bit integers are JSON numbers or decimal strings,
 * exponent notation included; doubles are numbers or {@code "NaN"}, {@code "Infinity"},
 * {@code "-Infinity"}; {@code null} is the default value of any field; a key given twice merges
 * as a field given twice does in the binary encoding (the last scalar wins, repeated fields
 * append, messages merge). A hexadecimal ID of the wrong length decodes to its bytes; rejecting
 * it is the receiver's decision, span by span. Messages may nest at most {@code maxDepth} levels,
 * the top-level message included (default {@value #DEFAULT_MAX_DEPTH}); JSON nesting, string and number lengths are bounded by
 * the parser's limits too, so hostile input ends in a {@link WireFormatException}.
 *
 * <p>Encoding writes lowerCamelCase keys in field declaration order, omits proto3 default
 * values, writes 64-bit integers as decimal strings and non-finite doubles as strings. Unknown
 * fields are not written. {@code google.protobuf.Any} is written as
 * {@code {"@type": "type.googleapis.com/...", "value": "<base64 of the packed message>"}} and
 * decoded from that form; the other well-known types ({@code Timestamp}, {@code Struct}, ...) are
 * written as ordinary messages, since OTLP uses none of them. For every message without unknown
 * fields and nested at most {@code maxDepth} levels,
 * {@code decode(encode(m), m.getDefaultInstanceForType()).equals(m)}.
 *
 * <p>All methods are thread-safe.
 */
public final class OtlpJson {
  /**
   * The default limit on how deep messages may nest, counting the top-level message: that message
   * and the 100 levels below it that protobuf's own parsers accept by default, so that whatever
   * Skein accepted in protobuf also decodes from its OTLP/JSON encoding.
   */
  public static final int DEFAULT_MAX_DEPTH = 101;

  /** The largest {@code maxDepth} accepted; deeper recursion would risk the thread's stack. */
  public static final int MAX_MAX_DEPTH = 1000;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      // Stated rather than inherited, because they bound the work a hostile request can cause.
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(2 * MAX_MAX_DEPTH + 8)
          .maxNumberLength(1000)
          .maxStringLength(20_000_000)
          .build())
      .streamWriteConstraints(StreamWriteConstraints.builder()
          .maxNestingDepth(Integer.MAX_VALUE)
          .build())
      .build();

  private OtlpJson() {}

  /**
   * Decodes {@code json} as a message of the same type as {@code defaultInstance}.
   *
   * @throws WireFormatException if {@code json} is not an OTLP/JSON encoding of such a message;
   *     the message names the JSON path and the problem
   */
  public static <T extends Message> T decode(byte[] json, T defaultInstance) {
    return decode(json, defaultInstance, DEFAULT_MAX_DEPTH);
  }

  /**
   * Like {@link #decode(byte[], Message)}, with messages nested at most {@code maxDepth} levels.
   *
   * @throws IllegalArgumentException if {@code maxDepth} is not from 1 to {@value #MAX_MAX_DEPTH}
   */
  public static <T extends Message> T decode(byte[] json, T defaultInstance, int maxDepth) {
    requireNonNull(json, "json");
    requireNonNull(defaultInstance, "defaultInstance");
    checkMaxDepth(maxDepth);
    try (JsonParser p = FACTORY.createParser(json)) {
      return read(p, defaultInstance, maxDepth);
    } catch (CharConversionException e) {
      throw undecodable(e);
    } catch (IOException e) {
      // Besides a CharConversionException, only a JsonProcessingException can come from a byte
      // array, and read() converts those.
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Decodes the JSON read from {@code json} until its end. The stream is not closed.
   *
   * @throws WireFormatException if the content is not an OTLP/JSON encoding of such a message
   * @throws IOException if reading the stream fails
   */
  public static <T extends Message> T decode(InputStream json, T defaultInstance) throws IOException {
    return decode(json, defaultInstance, DEFAULT_MAX_DEPTH);
  }

  /**
   * Like {@link #decode(InputStream, Message)}, with messages nested at most {@code maxDepth}
   * levels.
   *
   * @throws IllegalArgumentException if {@code maxDepth} is not from 1 to {@value #MAX_MAX_DEPTH}
   */
  public static <T extends Message> T decode(InputStream json, T defaultInstance, int maxDepth)
      throws IOException {
    requireNonNull(json, "json");
    requireNonNull(defaultInstance, "defaultInstance");
    checkMaxDepth(maxDepth);
    try (JsonParser p = FACTORY.createParser(json)) {
      p.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
      return read(p, defaultInstance, maxDepth);
    } catch (CharConversionException e) {
      throw undecodable(e);
    }
  }

  /** Encodes {@code message} as OTLP/JSON in UTF-8. */
  public static byte[] encode(MessageOrBuilder message) {
    requireNonNull(message, "message");
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      encode(message, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /**
   * Writes {@code message} as OTLP/JSON in UTF-8 to {@code out}, which is flushed but not closed.
   *
   * @throws IOException if writing to {@code out} fails
   */
  public static void encode(MessageOrBuilder message, OutputStream out) throws IOException {
    requireNonNull(message, "message");
    requireNonNull(out, "out");
    JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    try (g) {
      OtlpJsonWriter.writeMessage(g, message);
    }
  }

  @SuppressWarnings("unchecked") // a builder of T builds a T
  private static <T extends Message> T read(JsonParser p, T defaultInstance, int maxDepth)
      throws IOException {
    OtlpJsonReader reader = new OtlpJsonReader(p, maxDepth);
    Message.Builder builder = defaultInstance.newBuilderForType();
    try {
      reader.readDocument(builder);
    } catch (JsonProcessingException e) {
      throw reader.malformed(e);
    }
    try {
      return (T) builder.build();
    } catch (UninitializedMessageException e) {
      // Only proto2 messages have required fields; OTLP's have none.
      throw new WireFormatException("", "missing required fields: " + e.getMissingFields());
    }
  }

  /**
   * Jackson reads UTF-8, UTF-16 and UTF-32, telling them apart by the first bytes, and fails with a
   * {@link CharConversionException} on a byte order it cannot read or bytes invalid in the
   * encoding it detected: the content is not JSON text.
   */
  private static WireFormatException undecodable(CharConversionException e) {
    return new WireFormatException("", "malformed JSON: " + e.getMessage() + " (expected: UTF-8 text)", e);
  }

  private static void checkMaxDepth(int maxDepth) {
    if (maxDepth < 1 || maxDepth > MAX_MAX_DEPTH) {
      throw new IllegalArgumentException(
          "maxDepth: " + maxDepth + " (expected: 1 to " + MAX_MAX_DEPTH + ")");
    }
  }
}
