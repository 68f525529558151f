package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.skein.jaeger.proto.Collector;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.jaeger.proto.Model;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zipkin and Jaeger clients write into the default configuration and read back through the query API. */
class OtherProtocolsTest {
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(data);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void zipkinV2JsonIsStoredAsOtlp() throws Exception {
    String body = "[{\"traceId\":\"86154a4ba6e91385\",\"id\":\"4d1e00c0db9010db\",\"parentId\":\"86154a4ba6e91385\","
        + "\"kind\":\"CLIENT\",\"name\":\"get /api\",\"timestamp\":1472470996199000,\"duration\":207000,"
        + "\"localEndpoint\":{\"serviceName\":\"frontend\",\"ipv4\":\"127.0.0.1\"},"
        + "\"remoteEndpoint\":{\"serviceName\":\"backend\",\"ipv4\":\"192.168.99.101\",\"port\":9000},"
        + "\"annotations\":[{\"timestamp\":1472470996238000,\"value\":\"foo\"}],"
        + "\"tags\":{\"http.path\":\"/api\",\"clnt/finagle.version\":\"6.45.0\"}}]";
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.zipkinPort + "/api/v2/spans"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(202);
    JsonNode span = server.get("/api/v3/traces/000000000000000086154a4ba6e91385").json()
        .at("/result/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(span.get("name").asText()).isEqualTo("get /api");
    assertThat(span.get("kind").asInt()).isEqualTo(3);
    assertThat(span.get("startTimeUnixNano").asText()).isEqualTo("1472470996199000000");
    assertThat(span.get("endTimeUnixNano").asText()).isEqualTo("1472470996406000000");
    assertThat(span.get("events").get(0).get("name").asText()).isEqualTo("foo");
    assertThat(server.get("/api/services").json().get("data")).extracting(JsonNode::asText).contains("frontend");
  }

  @Test
  void jaegerPostSpansIsStoredAsOtlp() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.jaegerPort).usePlaintext().build();
    try {
      Model.Span span = Model.Span.newBuilder()
          .setTraceId(ByteString.fromHex("0af7651916cd43dd8448eb211c80319c"))
          .setSpanId(ByteString.fromHex("b7ad6b7169203331"))
          .setOperationName("SELECT stock")
          .setStartTime(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5_000))
          .setDuration(com.google.protobuf.Duration.newBuilder().setNanos(812_000_000))
          .addTags(Model.KeyValue.newBuilder().setKey("span.kind").setVStr("client"))
          .addTags(Model.KeyValue.newBuilder().setKey("db.system").setVStr("postgresql"))
          .build();
      Collector.PostSpansRequest req = Collector.PostSpansRequest.newBuilder().setBatch(Model.Batch.newBuilder()
          .setProcess(Model.Process.newBuilder().setServiceName("inventory")).addSpans(span)).build();
      CollectorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).postSpans(req);
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    JsonNode trace = server.get("/api/traces/0af7651916cd43dd8448eb211c80319c").json().at("/data/0");
    assertThat(trace.at("/spans/0/operationName").asText()).isEqualTo("SELECT stock");
    assertThat(trace.at("/spans/0/duration").asLong()).isEqualTo(812_000);
    assertThat(trace.at("/processes/p1/serviceName").asText()).isEqualTo("inventory");
  }
}
