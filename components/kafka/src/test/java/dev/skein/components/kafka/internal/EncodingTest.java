package dev.skein.components.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EncodingTest {
  static final ByteString TRACE = ByteString.fromHex("5b8efff798038103d269b633813fc60c");

  static Traces sample() {
    Span span = Span.newBuilder().setTraceId(TRACE).setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
        .setName("GET /cart").setStartTimeUnixNano(1_700_000_000_000_000_000L)
        .setEndTimeUnixNano(1_700_000_000_250_000_000L).build();
    return Traces.of(java.util.List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("cart"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)).build()));
  }

  @Test
  void writesOtlpProtoAsTheBytesOfAnExportTraceServiceRequest() throws Exception {
    byte[] value = Encoding.OTLP_PROTO.encode(sample());

    assertThat(ExportTraceServiceRequest.parseFrom(value).getResourceSpansList())
        .isEqualTo(sample().resourceSpans());
    assertThat(Encoding.OTLP_PROTO.decode(value)).isEqualTo(sample());
  }

  @Test
  void writesOtlpJsonWithHexIdsAndCamelCaseKeys() {
    String json = new String(Encoding.OTLP_JSON.encode(sample()), StandardCharsets.UTF_8);

    assertThat(json).contains("\"resourceSpans\"", "\"traceId\":\"5b8efff798038103d269b633813fc60c\"",
        "\"startTimeUnixNano\":\"1700000000000000000\"");
    assertThat(Encoding.OTLP_JSON.decode(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(sample());
  }

  @Test
  void refusesAValueThatIsNotARequestNamingTheEncoding() {
    assertThatThrownBy(() -> Encoding.OTLP_JSON.decode("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("otlp_json");
    assertThatThrownBy(() -> Encoding.OTLP_PROTO.decode(new byte[] {(byte) 0xff, 1, 2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("otlp_proto");
  }

  @Test
  void namesTheEncodingsTheCollectorKnowsButSkeinDoesNot() {
    assertThat(Encoding.fromConfig("otlp_json")).isEqualTo(Encoding.OTLP_JSON);
    assertThat(Encoding.problem("encoding", "jaeger_proto"))
        .isEqualTo("encoding: \"jaeger_proto\" (expected: otlp_proto or otlp_json)");
  }
}
