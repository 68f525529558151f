package dev.skein.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.skein.cluster.engines.Engines;
import dev.skein.components.kafkaexporter.KafkaExporterFactory;
import dev.skein.components.kafkareceiver.KafkaReceiverFactory;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesExporter;
import dev.skein.storage.conformance.TraceAssertions;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Skein's kafka receiver and exporter against a real broker and messages laid out as the
 * Collector-contrib kafka exporter documents them: the value is an {@code ExportTraceServiceRequest}
 * in protobuf ({@code otlp_proto}) or OTLP/JSON ({@code otlp_json}); the key is empty, or with
 * {@code partition_traces_by_id} the trace ID as 32 lower-case hex characters. The peer here is
 * the plain Kafka client writing and reading exactly those bytes.
 */
@ExtendWith(SharedCluster.class)
class KafkaCompatibilityIT {
  private static final Duration WAIT = Duration.ofMinutes(2);

  private final String bootstrap = SharedCluster.engines().kafkaBootstrap();

  static Span span(String traceHex, String spanHex, String name) {
    return Span.newBuilder().setTraceId(ByteString.fromHex(traceHex)).setSpanId(ByteString.fromHex(spanHex))
        .setName(name).setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(1_700_000_000_000_000_000L)
        .setEndTimeUnixNano(1_700_000_000_120_000_000L).build();
  }

  static ResourceSpans resource(String service) {
    return ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
        .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service)))).build();
  }

  static final ScopeSpans SCOPE = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
      .setName("io.opentelemetry.okhttp").setVersion("1.0")).build();

  static Traces twoTraces() {
    return Traces.builder()
        .add(resource("frontend"), SCOPE, span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "GET /cart"))
        .add(resource("cart"), SCOPE, span("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7", "GetCart"))
        .add(resource("frontend"), SCOPE, span("4bf92f3577b34da6a3ce929d0e0e4736", "53995c3f42cd8ad8", "GET /"))
        .build();
  }

  @Test
  void readsMessagesLaidOutAsTheCollectorContribExporterWritesThem() throws Exception {
    String topic = Kafka.uniqueTopic("contrib-proto");
    Traces batch = twoTraces();
    Traces keyed = Traces.builder()
        .add(resource("payment"), SCOPE, span("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "Charge"))
        .build();
    Kafka.send(bootstrap, List.of(
        // Without partitioning: the whole batch, no key.
        new ProducerRecord<>(topic, null, Kafka.request(batch).toByteArray()),
        // With partition_traces_by_id: one trace, keyed by its hex ID.
        new ProducerRecord<>(topic, "5b8efff798038103d269b633813fc60c".getBytes(StandardCharsets.UTF_8),
            Kafka.request(keyed).toByteArray())));
    List<Traces> received = new CopyOnWriteArrayList<>();

    Component receiver = receiver("{brokers: [" + bootstrap + "], traces: {topics: [" + topic + "]},"
        + " group_id: compat-proto, initial_offset: earliest}", traces -> {
          received.add(traces);
          return CompletableFuture.completedFuture(null);
        });
    try {
      awaitSpans(received, 4);
    } finally {
      receiver.shutdown();
    }

    TraceAssertions.assertSameSpans(merge(received), merge(List.of(batch, keyed)));
  }

  @Test
  void readsOtlpJsonMessagesAsTheSpecificationWritesThem() throws Exception {
    String topic = Kafka.uniqueTopic("contrib-json");
    // OTLP/JSON as the specification and the Collector's JSON marshaler write it: camelCase keys,
    // hex IDs, integers as strings where they are 64-bit, enums as numbers.
    String json = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        + "\"value\":{\"stringValue\":\"checkout\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"manual\"},"
        + "\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
        + "\"name\":\"PlaceOrder\",\"kind\":2,\"startTimeUnixNano\":\"1544712660000000000\","
        + "\"endTimeUnixNano\":\"1544712661000000000\",\"attributes\":[{\"key\":\"order.items\","
        + "\"value\":{\"intValue\":\"3\"}}],\"status\":{\"code\":1}}]}]}]}";
    Kafka.send(bootstrap, List.of(new ProducerRecord<>(topic, null, json.getBytes(StandardCharsets.UTF_8))));
    List<Traces> received = new CopyOnWriteArrayList<>();

    Component receiver = receiver("{brokers: [" + bootstrap + "], traces: {topics: [" + topic + "],"
        + " encoding: otlp_json}, group_id: compat-json, initial_offset: earliest}", traces -> {
          received.add(traces);
          return CompletableFuture.completedFuture(null);
        });
    try {
      awaitSpans(received, 1);
    } finally {
      receiver.shutdown();
    }

    Span s = received.get(0).resourceSpans().get(0).getScopeSpans(0).getSpans(0);
    assertThat(Hex.encode(s.getTraceId())).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(s.getName()).isEqualTo("PlaceOrder");
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(s.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
    assertThat(s.getAttributes(0).getValue().getIntValue()).isEqualTo(3);
  }

  @Test
  void writesOneMessagePerTraceKeyedByItsHexIdWhenPartitioningByTraceId() throws Exception {
    String topic = Kafka.uniqueTopic("skein-proto");
    TracesExporter exporter = exporter("{brokers: [" + bootstrap + "], traces: {topic: " + topic + "},"
        + " partition_traces_by_id: true, sending_queue: {enabled: false}}");
    try {
      exporter.consume(twoTraces()).get(60, TimeUnit.SECONDS);
    } finally {
      exporter.shutdown();
    }

    List<ConsumerRecord<byte[], byte[]>> records = Kafka.read(bootstrap, topic, 2);

    assertThat(records).hasSize(2);
    List<Traces> decoded = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(r.value());
      Traces t = Traces.of(req.getResourceSpansList());
      decoded.add(t);
      t.forEachSpan((rs, ss, span) -> assertThat(new String(r.key(), StandardCharsets.US_ASCII))
          .as("the key is the trace ID of every span in the message").isEqualTo(Hex.encode(span.getTraceId())));
    }
    TraceAssertions.assertSameSpans(merge(decoded), twoTraces());
  }

  @Test
  void writesOtlpJsonThatReadsAsTheSpecificationDefinesIt() throws Exception {
    String topic = Kafka.uniqueTopic("skein-json");
    TracesExporter exporter = exporter("{brokers: [" + bootstrap + "], traces: {topic: " + topic + ","
        + " encoding: otlp_json}, sending_queue: {enabled: false}}");
    try {
      exporter.consume(twoTraces()).get(60, TimeUnit.SECONDS);
    } finally {
      exporter.shutdown();
    }

    List<ConsumerRecord<byte[], byte[]>> records = Kafka.read(bootstrap, topic, 1);

    assertThat(records).singleElement().satisfies(r -> {
      assertThat(r.key()).as("no key without partition_traces_by_id").isNull();
      JsonNode root = new ObjectMapper().readTree(r.value());
      JsonNode span = root.path("resourceSpans").path(0).path("scopeSpans").path(0).path("spans").path(0);
      assertThat(span.path("traceId").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
      assertThat(span.path("spanId").asText()).isEqualTo("b7ad6b7169203331");
      assertThat(span.path("startTimeUnixNano").asText()).isEqualTo("1700000000000000000");
      assertThat(root.path("resourceSpans").size()).isEqualTo(2);
    });
  }

  @Test
  void commitsAMessagesOffsetOnlyOnceThePipelineHasItsSpans() throws Exception {
    String topic = Kafka.uniqueTopic("marking");
    String group = "marking-" + topic;
    Kafka.send(bootstrap, List.of(new ProducerRecord<>(topic, null, Kafka.request(twoTraces()).toByteArray())));
    List<CompletableFuture<Void>> calls = new CopyOnWriteArrayList<>();

    Component receiver = receiver("{brokers: [" + bootstrap + "], traces: {topics: [" + topic + "]},"
        + " group_id: " + group + ", initial_offset: earliest,"
        + " error_backoff: {initial_interval: 100ms, max_interval: 200ms}}", traces -> {
          CompletableFuture<Void> f = new CompletableFuture<>();
          calls.add(f);
          return f;
        });
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Engines.await("the receiver hands the message to the pipeline", () -> calls.size() == 1);
      assertThat(committed(admin, group, topic)).as("nothing committed while the pipeline works").isEmpty();

      calls.get(0).completeExceptionally(PipelineException.retryable("storage unavailable", null));
      Engines.await("the receiver tries again", () -> calls.size() == 2);
      assertThat(committed(admin, group, topic)).as("nothing committed after a failure").isEmpty();

      calls.get(1).complete(null);
      Engines.await("the offset after the message is committed", () -> {
        try {
          return committed(admin, group, topic).equals(Map.of(new TopicPartition(topic, partitionOf(admin, group,
              topic)), 1L));
        } catch (Exception e) {
          return false;
        }
      });
    } finally {
      receiver.shutdown();
    }
  }

  private static int partitionOf(Admin admin, String group, String topic) throws Exception {
    return committed(admin, group, topic).keySet().stream().findFirst().map(TopicPartition::partition).orElse(-1);
  }

  private static Map<TopicPartition, Long> committed(Admin admin, String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    Map<TopicPartition, Long> out = new java.util.HashMap<>();
    offsets.forEach((tp, o) -> {
      if (o != null && tp.topic().equals(topic)) {
        out.put(tp, o.offset());
      }
    });
    return out;
  }

  private static Component receiver(String yaml, dev.skein.pipeline.TracesConsumer next) throws Exception {
    return Kafka.receiver(new KafkaReceiverFactory(), yaml, next);
  }

  private static TracesExporter exporter(String yaml) throws Exception {
    return Kafka.exporter(new KafkaExporterFactory(), yaml);
  }

  private static void awaitSpans(List<Traces> received, int spans) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (received.stream().mapToInt(Traces::spanCount).sum() < spans) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("received " + received.stream().mapToInt(Traces::spanCount).sum() + " of " + spans
            + " spans within " + WAIT);
      }
      Thread.sleep(50);
    }
  }

  private static Traces merge(List<Traces> batches) {
    Traces.Builder b = Traces.builder();
    for (Traces t : Collections.unmodifiableList(batches)) {
      t.forEachSpan(b::add);
    }
    return b.build();
  }
}
