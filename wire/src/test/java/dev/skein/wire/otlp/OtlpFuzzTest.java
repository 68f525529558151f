package dev.skein.wire.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.wire.WireFormatException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Fuzz tests of the two OTLP request decoders the receivers run on every request body: protobuf
 * (OTLP/gRPC and OTLP/HTTP) and OTLP/JSON. A decoder either returns a request or throws the
 * exception the receivers turn into HTTP 400 / {@code INVALID_ARGUMENT}; anything else is a bug.
 * {@code ./skein test} runs them over the inputs in {@code OtlpFuzzTestInputs}; {@code ./skein fuzz}
 * fuzzes them.
 */
class OtlpFuzzTest {
  private static final ExportTraceServiceRequest DEFAULT = ExportTraceServiceRequest.getDefaultInstance();

  @FuzzTest
  void protobuf(byte[] body) {
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    // Whatever protobuf accepted is served again as OTLP/JSON (the query API's /api/v3, the file
    // and otlphttp exporters), and that JSON must read back as the same request.
    byte[] json = OtlpJson.encode(request);
    assertThat(OtlpJson.encode(OtlpJson.decode(json, DEFAULT))).isEqualTo(json);
  }

  @FuzzTest
  void json(byte[] body) {
    ExportTraceServiceRequest request;
    try {
      request = OtlpJson.decode(body, DEFAULT);
    } catch (WireFormatException e) {
      assertThat(e.problem()).isNotBlank();
      return;
    }
    // Decoded JSON has no unknown fields and nests within the limit, so it round-trips exactly.
    assertThat(OtlpJson.decode(OtlpJson.encode(request), DEFAULT)).isEqualTo(request);
  }
}
