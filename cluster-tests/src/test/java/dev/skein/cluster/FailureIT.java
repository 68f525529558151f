package dev.skein.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.cluster.engines.Engines;
import dev.skein.model.Hex;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.storage.cassandra.CassandraTraceStore;
import dev.skein.storage.search.TraceQuery;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the cluster does when a part of it fails: a Cassandra node stops, Kafka is unreachable, an
 * ingester is killed mid-batch. Each test restores what it stopped, since the engines are shared.
 */
@ExtendWith(SharedCluster.class)
class FailureIT {
  private static final Duration WAIT = Duration.ofMinutes(3);

  @TempDir
  Path dir;

  private final Engines engines = SharedCluster.engines();

  /** A trace of {@code spans} spans of service {@code service}, starting now. */
  static Traces trace(TraceId id, String service, int spans) {
    long start = System.currentTimeMillis() * 1_000_000L;
    ResourceSpans resource = ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(
        KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service)))).build();
    Traces.Builder b = Traces.builder();
    for (int i = 0; i < spans; i++) {
      byte[] spanId = new byte[8];
      ThreadLocalRandom.current().nextBytes(spanId);
      spanId[0] = (byte) (i + 1);
      b.add(resource, ScopeSpans.getDefaultInstance(), Span.newBuilder().setTraceId(id.bytes())
          .setSpanId(ByteString.copyFrom(spanId)).setName("step-" + i).setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
          .setStartTimeUnixNano(start + i * 1_000_000L).setEndTimeUnixNano(start + i * 1_000_000L + 500_000L).build());
    }
    return b.build();
  }

  static TraceId randomTraceId() {
    byte[] b = new byte[16];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1;
    return TraceId.of(ByteString.copyFrom(b));
  }

  private CassandraTraceStore store(String keyspace) {
    CassandraTraceStore.Builder b = CassandraTraceStore.builder().keyspace(keyspace).replicationFactor(3)
        .localDatacenter(Engines.DATACENTER).consistency("LOCAL_QUORUM");
    engines.cassandraContactPoints().forEach(b::contactPoint);
    return b.build();
  }

  @Test
  void keepsIngestingAndAnsweringWithOneOfThreeCassandraNodesStopped() throws Exception {
    try (CassandraTraceStore store = store("one_node_down")) {
      List<TraceId> before = writeTraces(store, "before", 20);
      engines.stopCassandra(2);
      try {
        List<TraceId> during = writeTraces(store, "during", 50);

        for (TraceId id : before) {
          assertThat(store.trace(id)).as("written before the node stopped").hasValueSatisfying(
              t -> assertThat(t.spanCount()).isEqualTo(3));
        }
        for (TraceId id : during) {
          assertThat(store.trace(id)).as("written while it was stopped").hasValueSatisfying(
              t -> assertThat(t.spanCount()).isEqualTo(3));
        }
        assertThat(store.services()).contains("before", "during");
        assertThat(store.search(TraceQuery.builder().service("during").limit(100).build()).traces()).hasSize(50);
      } finally {
        engines.startCassandra(2);
        engines.awaitCassandraNodes(3);
      }
      assertThat(store.search(TraceQuery.builder().service("during").limit(100).build()).traces())
          .as("after the node is back").hasSize(50);
    }
  }

  private static List<TraceId> writeTraces(CassandraTraceStore store, String service, int count) throws Exception {
    List<TraceId> ids = new ArrayList<>();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TraceId id = randomTraceId();
      ids.add(id);
      writes.add(store.write(trace(id, service, 3)));
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return ids;
  }

  @Test
  void queuesOnDiskWhileKafkaIsDownAndRefusesWithRetryableErrorsWhenFull() throws Exception {
    String topic = Kafka.uniqueTopic("kafka-down");
    Map<String, String> env = ScaleOutIT.environment(engines, topic, "unused", "unused", dir);
    env.put("SKEIN_QUEUE_SIZE", "3");
    List<String> accepted = new ArrayList<>();
    boolean refused = false;
    String retryAfter = null;
    engines.stopKafka();
    try {
      Service collector = Roles.start(Roles.example("collector.yaml"), env, new Telemetry());
      try {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 100 && !refused; i++) {
          TraceId id = randomTraceId();
          HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(
              URI.create("http://" + env.get("SKEIN_OTLP_HTTP_ENDPOINT") + "/v1/traces"))
              .header("Content-Type", "application/x-protobuf").timeout(Duration.ofSeconds(60))
              .POST(HttpRequest.BodyPublishers.ofByteArray(Kafka.request(trace(id, "shop", 2)).toByteArray())).build(),
              HttpResponse.BodyHandlers.ofByteArray());
          if (r.statusCode() == 200) {
            accepted.add(id.hex());
          } else {
            assertThat(r.statusCode()).as("a full queue is a retryable refusal").isEqualTo(503);
            retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            refused = true;
          }
        }
      } finally {
        // The queue is on disk: stopping the collector keeps what it holds for the next start.
        collector.shutdown();
      }
      assertThat(refused).as("the queue filled up and refused").isTrue();
      assertThat(retryAfter).as("the refusal says when to retry").isNotNull();
      assertThat(accepted).as("batches were queued before the queue was full").isNotEmpty();
    } finally {
      engines.startKafka();
      engines.awaitKafka();
    }

    Service restarted = Roles.start(Roles.example("collector.yaml"), env, new Telemetry());
    try {
      Set<String> delivered = new HashSet<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!delivered.containsAll(accepted) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : Kafka.read(engines.kafkaBootstrap(), topic, accepted.size())) {
          Traces.of(io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(r.value())
              .getResourceSpansList()).forEachSpan((rs, ss, span) -> delivered.add(Hex.encode(span.getTraceId())));
        }
      }
      assertThat(delivered).as("every accepted batch reached Kafka once it was back").containsAll(accepted);
    } finally {
      restarted.shutdown();
    }
  }

  @Test
  void losesNothingWhenAnIngesterIsKilledMidBatch() throws Exception {
    String topic = Kafka.uniqueTopic("crash");
    String group = "crash-ingesters";
    int traces = 600;
    List<TraceId> ids = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < traces; i++) {
      TraceId id = randomTraceId();
      ids.add(id);
      records.add(new ProducerRecord<>(topic, id.hex().getBytes(StandardCharsets.US_ASCII),
          Kafka.request(trace(id, "crash", 3)).toByteArray()));
    }
    Kafka.send(engines.kafkaBootstrap(), records);
    Map<String, String> env = ScaleOutIT.environment(engines, topic, "crash", group, dir);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", engines.kafkaBootstrap()));
        Node survivor = Node.start("ingester-survivor", Roles.example("ingester.yaml"), env, dir);
        Node victim = Node.start("ingester-victim", Roles.example("ingester.yaml"), env, dir)) {
      Engines.await("the ingesters commit the first messages", () -> committed(admin, group) >= 50);
      victim.kill();
      Engines.await("the surviving ingester commits every message", () -> committed(admin, group) == traces);
      assertThat(survivor.alive()).isTrue();
    }
    try (CassandraTraceStore store = store("crash")) {
      for (TraceId id : ids) {
        assertThat(store.trace(id)).as("trace %s", id.hex())
            .hasValueSatisfying(t -> assertThat(t.spanCount()).as("each span once").isEqualTo(3));
      }
    }
  }

  private static long committed(Admin admin, String group) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    } catch (Exception e) {
      return 0;
    }
  }
}
