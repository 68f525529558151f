package dev.skein.components.kafkaexporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.components.kafka.internal.Yaml;
import dev.skein.model.Traces;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
  private final KafkaExporterFactory factory = new KafkaExporterFactory();

  private static ResourceSpans resource(String service, String... extra) {
    Resource.Builder r = Resource.newBuilder().addAttributes(kv("service.name", service));
    for (int i = 0; i < extra.length; i += 2) {
      r.addAttributes(kv(extra[i], extra[i + 1]));
    }
    return ResourceSpans.newBuilder().setResource(r).build();
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static Span span(int trace, int span) {
    return Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        (byte) trace})).setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) span}))
        .setName("op-" + span).setStartTimeUnixNano(1_000 + span).setEndTimeUnixNano(2_000 + span).build();
  }

  private static Traces batch() {
    ScopeSpans scope = ScopeSpans.newBuilder().setScope(io.opentelemetry.proto.common.v1.InstrumentationScope
        .newBuilder().setName("lib")).build();
    return Traces.builder()
        .add(resource("cart"), scope, span(1, 1))
        .add(resource("cart"), scope, span(2, 2))
        .add(resource("payment"), scope, span(1, 3))
        .build();
  }

  @Test
  void sendsTheWholeBatchAsOneRequestWithoutAKey() throws Exception {
    List<Messages.Message> m = Messages.of(batch(), Yaml.valid(factory, "{}"));

    assertThat(m).singleElement().satisfies(msg -> {
      assertThat(msg.topic()).isEqualTo("otlp_spans");
      assertThat(msg.key()).isNull();
      assertThat(ExportTraceServiceRequest.parseFrom(msg.value()).getResourceSpansList())
          .isEqualTo(batch().resourceSpans());
    });
  }

  @Test
  void sendsOneMessagePerTraceKeyedByItsHexIdWhenPartitioningByTraceId() throws Exception {
    List<Messages.Message> m = Messages.of(batch(), Yaml.valid(factory, "{partition_traces_by_id: true}"));

    assertThat(m).hasSize(2);
    assertThat(new String(m.get(0).key(), StandardCharsets.US_ASCII)).isEqualTo("00000000000000000000000000000001");
    assertThat(new String(m.get(1).key(), StandardCharsets.US_ASCII)).isEqualTo("00000000000000000000000000000002");
    ExportTraceServiceRequest first = ExportTraceServiceRequest.parseFrom(m.get(0).value());
    assertThat(first.getResourceSpansCount()).as("both services' spans of trace 1").isEqualTo(2);
    first.getResourceSpansList().forEach(rs -> rs.getScopeSpans(0).getSpansList()
        .forEach(s -> assertThat(s.getTraceId().byteAt(15)).isEqualTo((byte) 1)));
    assertThat(m.get(1).spans()).isEqualTo(1);
  }

  @Test
  void splitsARequestLargerThanMaxMessageBytesKeepingEverySpan() throws Exception {
    Traces.Builder b = Traces.builder();
    for (int i = 0; i < 100; i++) {
      b.add(resource("cart"), ScopeSpans.getDefaultInstance(), span(1, i).toBuilder().setName("x".repeat(100)).build());
    }
    List<Messages.Message> m = Messages.of(b.build(), Yaml.valid(factory, "{producer: {max_message_bytes: 2000}}"));

    assertThat(m.size()).isGreaterThan(1);
    int spans = 0;
    for (Messages.Message msg : m) {
      assertThat(msg.value().length).isLessThanOrEqualTo(2000);
      for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(msg.value()).getResourceSpansList()) {
        spans += rs.getScopeSpans(0).getSpansCount();
      }
    }
    assertThat(spans).isEqualTo(100);
  }

  @Test
  void routesResourcesToTheTopicTheirAttributeNames() throws Exception {
    Traces t = Traces.builder()
        .add(resource("cart", "kafka.topic", "team-a"), ScopeSpans.getDefaultInstance(), span(1, 1))
        .add(resource("payment"), ScopeSpans.getDefaultInstance(), span(1, 2))
        .build();

    List<Messages.Message> m = Messages.of(t, Yaml.valid(factory, "{topic_from_attribute: kafka.topic}"));

    List<String> topics = new ArrayList<>();
    m.forEach(msg -> topics.add(msg.topic()));
    assertThat(topics).containsExactly("team-a", "otlp_spans");
  }
}
