package dev.skein.zipkin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.skein.wire.WireFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input is refused with a message that names where the problem is and what was expected. */
class ZipkinDecodeErrorTest {
  private static final String IDS = "\"traceId\": \"5af7183fb1d4cf5f\", \"id\": \"352bff9a74ca9ad2\"";

  static Stream<Arguments> badJson() {
    return Stream.of(
        Arguments.of("", "(root): empty body (expected: a JSON array of spans)"),
        Arguments.of("{}", "(root): an object (expected: a JSON array of spans)"),
        Arguments.of("\"spans\"", "(root): \"spans\" (expected: a JSON array of spans)"),
        Arguments.of("[] []", "(root): unexpected data after the array of spans (expected: one JSON array)"),
        Arguments.of("[42]", "[0]: 42 (expected: a span object)"),
        Arguments.of("[{\"traceId\": \"xyz\", \"id\": \"352bff9a74ca9ad2\"}]",
            "[0].traceId: \"xyz\" (expected: 16 or 32 hexadecimal characters)"),
        Arguments.of("[{" + IDS + "}, {" + IDS + "}, {" + IDS + "}, {\"traceId\": \"xyz\"}]",
            "[3].traceId: \"xyz\" (expected: 16 or 32 hexadecimal characters)"),
        Arguments.of("[{\"traceId\": \"5af7183fb1d4cf5f5af7183fb1d4cf5f1\", \"id\": \"1\"}]",
            "[0].traceId: \"5af7183fb1d4cf5f5af7183fb1d4cf5f1\" (expected: 16 or 32 hexadecimal characters)"),
        Arguments.of("[{\"traceId\": 123, \"id\": \"1\"}]", "[0].traceId: 123 (expected: 16 or 32 hexadecimal characters)"),
        Arguments.of("[{\"id\": \"352bff9a74ca9ad2\"}]", "[0].traceId: missing (expected: 16 or 32 hexadecimal characters)"),
        Arguments.of("[{\"traceId\": \"00000000000000000000000000000000\", \"id\": \"1\"}]",
            "[0].traceId: \"00000000000000000000000000000000\" (expected: not all zeros)"),
        Arguments.of("[{\"traceId\": \"5af7183fb1d4cf5f\"}]", "[0].id: missing (expected: 16 hexadecimal characters)"),
        Arguments.of("[{\"traceId\": \"1\", \"id\": \"zz\"}]", "[0].id: \"zz\" (expected: 16 hexadecimal characters)"),
        Arguments.of("[{\"traceId\": \"1\", \"id\": \"0000000000000000\"}]",
            "[0].id: \"0000000000000000\" (expected: not all zeros)"),
        Arguments.of("[{" + IDS + ", \"parentId\": \"xyz\"}]", "[0].parentId: \"xyz\" (expected: 16 hexadecimal characters)"),
        Arguments.of("[{" + IDS + ", \"kind\": 5}]", "[0].kind: 5 (expected: a string)"),
        Arguments.of("[{" + IDS + ", \"name\": [\"a\"]}]", "[0].name: an array (expected: a string)"),
        Arguments.of("[{" + IDS + ", \"timestamp\": -1}]",
            "[0].timestamp: -1 (expected: an integer of epoch microseconds, at least 0)"),
        Arguments.of("[{" + IDS + ", \"timestamp\": \"1556604172355737\"}]",
            "[0].timestamp: \"1556604172355737\" (expected: an integer of epoch microseconds, at least 0)"),
        Arguments.of("[{" + IDS + ", \"timestamp\": 9223372036854776}]",
            "[0].timestamp: 9223372036854776 (expected: an integer of epoch microseconds, at least 0)"),
        Arguments.of("[{" + IDS + ", \"duration\": 1.5}]", "[0].duration: 1.5 (expected: an integer of microseconds, at least 0)"),
        Arguments.of("[{" + IDS + ", \"debug\": \"yes\"}]", "[0].debug: \"yes\" (expected: true or false)"),
        Arguments.of("[{" + IDS + ", \"localEndpoint\": \"backend\"}]",
            "[0].localEndpoint: \"backend\" (expected: an endpoint object)"),
        Arguments.of("[{" + IDS + ", \"localEndpoint\": {\"ipv4\": \"999.1.1.1\"}}]",
            "[0].localEndpoint.ipv4: \"999.1.1.1\" (expected: an IPv4 address such as 192.168.99.100)"),
        Arguments.of("[{" + IDS + ", \"remoteEndpoint\": {\"ipv6\": \"2001:db8::c001::1\"}}]",
            "[0].remoteEndpoint.ipv6: \"2001:db8::c001::1\" (expected: an IPv6 address such as 2001:db8::c001)"),
        Arguments.of("[{" + IDS + ", \"remoteEndpoint\": {\"port\": \"80\"}}]",
            "[0].remoteEndpoint.port: \"80\" (expected: a port number)"),
        Arguments.of("[{" + IDS + ", \"tags\": [\"a\"]}]", "[0].tags: an array (expected: an object of string values)"),
        Arguments.of("[{" + IDS + ", \"tags\": {\"a\": {\"b\": 1}}}]", "[0].tags[\"a\"]: an object (expected: a string)"),
        Arguments.of("[{" + IDS + ", \"annotations\": {}}]", "[0].annotations: an object (expected: an array of annotations)"),
        Arguments.of("[{" + IDS + ", \"annotations\": [{\"timestamp\": 1, \"value\": \"a\"}, {\"timestamp\": \"x\"}]}]",
            "[0].annotations[1].timestamp: \"x\" (expected: an integer of epoch microseconds, at least 0)"),
        Arguments.of("[{" + IDS + ", \"tags\": {\"otlp.link.0\": \"zz|eee19b7ec3c1b174|k=v|{}|0\"}}]",
            "[0].tags[\"otlp.link.0\"]: \"zz|eee19b7ec3c1b174|k=v|{}|0\" (expected: traceId|spanId|traceState"
                + "|attributes as a JSON object|dropped attributes count)"),
        Arguments.of("[{" + IDS + ", \"tags\": {\"otlp.link.0\": "
                + "\"5b8efff798038103d269b633813fc60c|eee19b7ec3c1b174||[1]|0\"}}]",
            "[0].tags[\"otlp.link.0\"]: \"5b8efff798038103d269b633813fc60c|eee19b7ec3c1b174||[1]|0\" (expected: "
                + "traceId|spanId|traceState|attributes as a JSON object|dropped attributes count)"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badJson")
  void refusesBadJson(String json, String message) {
    assertThatThrownBy(() -> ZipkinTranslator.create(false).fromJson(json.getBytes(UTF_8)))
        .isInstanceOf(WireFormatException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("malformedJson")
  void namesTheSpanOfAJsonSyntaxError(String json, String messageStart) {
    assertThatThrownBy(() -> ZipkinTranslator.create(false).fromJson(json.getBytes(UTF_8)))
        .isInstanceOf(WireFormatException.class)
        .hasMessageStartingWith(messageStart);
  }

  @Test
  void refusesBytesThatAreNotJsonText() {
    // A UTF-32 byte order mark in a byte order Jackson cannot read.
    byte[] body = {(byte) 0xfe, (byte) 0xff, 0, 0, '[', ']', 0, 0};
    assertThatThrownBy(() -> ZipkinTranslator.create(false).fromJson(body))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("(root): malformed JSON: Unsupported UCS-4 endianness (3412) detected (expected: UTF-8 text)");
  }

  static Stream<Arguments> malformedJson() {
    return Stream.of(
        Arguments.of("[{" + IDS + "}, {\"traceId\": }]", "[1]: malformed JSON: "),
        Arguments.of("[{" + IDS + "}", "(root): malformed JSON: Unexpected end-of-input: expected close marker"
            + " for Array (start marker at [line: 1, column: 1])"),
        Arguments.of("nonsense", "(root): malformed JSON: "));
  }

  static Stream<Arguments> badProto3() {
    byte[] traceId = bytes(0x5a, 0xf7, 0x18, 0x3f, 0xb1, 0xd4, 0xcf, 0x5f);
    byte[] spanId = bytes(0x35, 0x2b, 0xff, 0x9a, 0x74, 0xca, 0x9a, 0xd2);
    return Stream.of(
        Arguments.of("trace ID of 5 bytes",
            list(span(w -> w.bytes(1, bytes(1, 2, 3, 4, 5)).bytes(3, spanId))),
            "spans[0].trace_id: 5 bytes (expected: 8 or 16)"),
        Arguments.of("second span without trace ID",
            list(span(w -> w.bytes(1, traceId).bytes(3, spanId)), span(w -> w.bytes(3, spanId))),
            "spans[1].trace_id: missing (expected: 8 or 16 bytes)"),
        Arguments.of("zero trace ID", list(span(w -> w.bytes(1, new byte[16]).bytes(3, spanId))),
            "spans[0].trace_id: all zeros (expected: a trace ID with a non-zero byte)"),
        Arguments.of("no span ID", list(span(w -> w.bytes(1, traceId))), "spans[0].id: missing (expected: 8 bytes)"),
        Arguments.of("span ID of 16 bytes", list(span(w -> w.bytes(1, traceId).bytes(3, new byte[16]))),
            "spans[0].id: 16 bytes (expected: 8)"),
        Arguments.of("parent ID of 4 bytes",
            list(span(w -> w.bytes(1, traceId).bytes(3, spanId).bytes(2, bytes(1, 2, 3, 4)))),
            "spans[0].parent_id: 4 bytes (expected: 8, or absent for a root span)"),
        Arguments.of("IPv4 address of 3 bytes",
            list(span(w -> w.bytes(1, traceId).bytes(3, spanId).message(8, e -> e.bytes(2, bytes(10, 0, 0))))),
            "spans[0].local_endpoint.ipv4: 3 bytes (expected: 4)"),
        Arguments.of("timestamp beyond 2262",
            list(span(w -> w.bytes(1, traceId).bytes(3, spanId).fixed64(6, -1L))),
            "spans[0].timestamp: 18446744073709551615 (expected: at most 9223372036854775 microseconds, the year 2262)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badProto3")
  void refusesBadProto3(String name, byte[] proto, String message) {
    assertThatThrownBy(() -> ZipkinTranslator.create(false).fromProto3(proto))
        .isInstanceOf(WireFormatException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("truncatedProto3")
  void namesTheSpanOfUndecodableProto3(String name, byte[] proto, String messageStart) {
    assertThatThrownBy(() -> ZipkinTranslator.create(false).fromProto3(proto))
        .isInstanceOf(WireFormatException.class)
        .hasMessageStartingWith(messageStart);
  }

  static Stream<Arguments> truncatedProto3() {
    byte[] one = list(span(w -> w.bytes(1, bytes(1, 2, 3, 4, 5, 6, 7, 8)).bytes(3, bytes(1, 2, 3, 4, 5, 6, 7, 8))));
    byte[] cut = new byte[one.length - 3];
    System.arraycopy(one, 0, cut, 0, cut.length);
    return Stream.of(
        Arguments.of("body cut short", cut, "spans[0]: not a valid zipkin.proto3.ListOfSpans: "),
        Arguments.of("a span cut short inside", list(new byte[] {0x0a, 0x10, 0x01}),
            "spans[0]: not a valid zipkin.proto3.ListOfSpans: "),
        Arguments.of("JSON sent as proto3", "[{\"traceId\": \"1\"}]".getBytes(UTF_8),
            "(root): not a valid zipkin.proto3.ListOfSpans: "));
  }

  /** Writes protobuf fields by number, so that tests can build what no encoder would. */
  static final class ProtoWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    ProtoWriter bytes(int field, byte[] value) {
      return write(() -> out.writeBytes(field, ByteString.copyFrom(value)));
    }

    ProtoWriter fixed64(int field, long value) {
      return write(() -> out.writeFixed64(field, value));
    }

    ProtoWriter message(int field, java.util.function.Consumer<ProtoWriter> body) {
      ProtoWriter inner = new ProtoWriter();
      body.accept(inner);
      return bytes(field, inner.toByteArray());
    }

    byte[] toByteArray() {
      write(out::flush);
      return bytes.toByteArray();
    }

    private ProtoWriter write(IoAction action) {
      try {
        action.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    private interface IoAction {
      void run() throws IOException;
    }
  }

  static byte[] span(java.util.function.Consumer<ProtoWriter> fields) {
    ProtoWriter w = new ProtoWriter();
    fields.accept(w);
    return w.toByteArray();
  }

  static byte[] list(byte[]... spans) {
    ProtoWriter w = new ProtoWriter();
    for (byte[] s : spans) {
      w.bytes(1, s);
    }
    return w.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
