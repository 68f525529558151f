package dev.skein.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.cluster.engines.Engines;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-out path end to end, each role from its configuration in {@code examples/cluster}:
 * applications instrumented with the OpenTelemetry Java SDK send to a collector, the collector
 * writes to Kafka, two ingesters (each a JVM of its own) share the topic's partitions and write to
 * Cassandra, and a query node answers Jaeger's API from Cassandra.
 */
@ExtendWith(SharedCluster.class)
class ScaleOutIT {
  private static final int TRACES = 40;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** The environment the example configurations read, for this test's engines and free ports. */
  static Map<String, String> environment(Engines engines, String topic, String keyspace, String group, Path dir) {
    Map<String, String> env = new HashMap<>();
    for (int i = 1; i <= 3; i++) {
      env.put("SKEIN_KAFKA_BROKER_" + i, engines.kafkaBootstrap());
      env.put("SKEIN_CASSANDRA_" + i, engines.cassandraContactPoints().get(i - 1));
    }
    env.put("SKEIN_KAFKA_TOPIC", topic);
    env.put("SKEIN_CASSANDRA_KEYSPACE", keyspace);
    env.put("SKEIN_INGESTER_GROUP", group);
    env.put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + Engines.freePort("127.0.0.1"));
    env.put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + Engines.freePort("127.0.0.1"));
    env.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + Engines.freePort("127.0.0.1"));
    env.put("SKEIN_QUERY_ENDPOINT", "127.0.0.1:" + Engines.freePort("127.0.0.1"));
    env.put("SKEIN_QUEUE_DIR", dir.resolve("queue").toString());
    return env;
  }

  @Test
  void carriesSdkSpansThroughKafkaAndTwoIngestersToTheQueryApi() throws Exception {
    Engines engines = SharedCluster.engines();
    Map<String, String> env = environment(engines, Kafka.uniqueTopic("e2e"), "e2e", "e2e-ingesters", dir);
    Map<String, String> first = new HashMap<>(env);
    first.put("SKEIN_NODE_NAME", "ingester-1");
    Map<String, String> second = new HashMap<>(env);
    second.put("SKEIN_NODE_NAME", "ingester-2");
    Service collector = null;
    Service query = null;
    try (Node ingester1 = Node.start("ingester-1", Roles.example("ingester.yaml"), first, dir);
        Node ingester2 = Node.start("ingester-2", Roles.example("ingester.yaml"), second, dir);
        Admin admin = Admin.create(Map.of("bootstrap.servers", engines.kafkaBootstrap()))) {
      collector = Roles.start(Roles.example("collector.yaml"), env, new Telemetry());
      List<String> traceIds = sendTraces("http://" + env.get("SKEIN_OTLP_GRPC_ENDPOINT"));
      query = Roles.start(Roles.example("query.yaml"), env, new Telemetry());
      String api = "http://" + env.get("SKEIN_QUERY_ENDPOINT");

      for (String id : traceIds) {
        Engines.await("trace " + id + " has both spans", () -> spanCount(api + "/api/traces/" + id) == 2);
      }
      assertThat(data(get(api + "/api/services"))).extracting(JsonNode::asText).contains("frontend", "cart");
      JsonNode found = data(get(api + "/api/traces?service=frontend&operation=GET%20%2Fcart&limit=100"));
      assertThat(found).hasSize(TRACES);
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("e2e-ingesters"))
          .describedGroups().get("e2e-ingesters").get(30, TimeUnit.SECONDS);
      assertThat(group.members()).as("both ingesters are in the group").hasSize(2);
      for (MemberDescription m : group.members()) {
        assertThat(m.assignment().topicPartitions()).as("%s has partitions of its own", m.clientId()).isNotEmpty();
      }
      assertThat(ingester1.alive() && ingester2.alive()).as("both ingesters ran throughout").isTrue();

      // TraceQL the index answers, through Tempo's API; structural operators are refused, clearly.
      assertThat(get(api + "/api/search?limit=100&q=" + encode("{ resource.service.name = \"cart\" }"))
          .path("traces")).hasSize(TRACES);
      HttpResponse<byte[]> structural = send(api + "/api/search?q="
          + encode("{ resource.service.name = \"frontend\" } >> { resource.service.name = \"cart\" }"));
      assertThat(structural.statusCode()).isEqualTo(501);
      assertThat(new String(structural.body(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("TRACEQL_STRUCTURAL");
    } finally {
      if (query != null) {
        query.shutdown();
      }
      if (collector != null) {
        collector.shutdown();
      }
    }
  }

  /** Sends {@link #TRACES} traces of two services with the SDK and returns their IDs. */
  private static List<String> sendTraces(String endpoint) {
    List<String> ids = new ArrayList<>();
    SdkTracerProvider frontend = provider("frontend", endpoint);
    SdkTracerProvider cart = provider("cart", endpoint);
    try {
      Tracer f = frontend.get("shop");
      Tracer c = cart.get("shop");
      for (int i = 0; i < TRACES; i++) {
        Span root = f.spanBuilder("GET /cart").setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", "GET").setAttribute("cart.number", i).startSpan();
        Span child = c.spanBuilder("GetCart").setSpanKind(SpanKind.SERVER)
            .setParent(Context.root().with(root)).startSpan();
        child.end();
        root.end();
        ids.add(root.getSpanContext().getTraceId());
      }
    } finally {
      frontend.forceFlush().join(30, TimeUnit.SECONDS);
      cart.forceFlush().join(30, TimeUnit.SECONDS);
      frontend.shutdown().join(30, TimeUnit.SECONDS);
      cart.shutdown().join(30, TimeUnit.SECONDS);
    }
    return ids;
  }

  private static SdkTracerProvider provider(String service, String endpoint) {
    return SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), service))))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint)
            .setTimeout(Duration.ofSeconds(30)).build()).build())
        .build();
  }

  static int spanCount(String url) {
    try {
      JsonNode traces = data(get(url));
      return traces.size() == 1 ? traces.get(0).path("spans").size() : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  static String encode(String query) {
    return java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  static HttpResponse<byte[]> send(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static JsonNode get(String url) throws Exception {
    HttpResponse<byte[]> r = send(url);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + ": HTTP " + r.statusCode() + ": " + new String(r.body()));
    }
    return JSON.readTree(r.body());
  }

  static JsonNode data(JsonNode response) {
    return response.path("data");
  }
}
