package dev.skein.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;

/**
 * Fuzz test of what the jaeger receiver does with a {@code PostSpans} call: decode the protobuf
 * {@code PostSpansRequest} and translate its batch into OTLP. Each step either succeeds or throws
 * the exception the receiver answers with {@code INVALID_ARGUMENT}; anything else is a bug. The
 * translated spans must also translate back into Jaeger batches, as the jaeger exporter does.
 * {@code ./skein test} runs it over the inputs in {@code JaegerFuzzTestInputs}; {@code ./skein fuzz}
 * fuzzes it.
 */
class JaegerFuzzTest {
  @FuzzTest
  void postSpans(byte[] body) {
    PostSpansRequest request;
    try {
      request = PostSpansRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    Traces traces;
    try {
      traces = JaegerTranslator.toTraces(request.getBatch());
    } catch (WireFormatException e) {
      assertThat(e.path()).startsWith("batch.");
      return;
    }
    assertThat(JaegerTranslator.toBatches(traces)).hasSizeLessThanOrEqualTo(traces.resourceSpans().size());
  }
}
