package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Jaeger-compatible query API's answers, including its errors. */
class QueryApiTest {
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(data);
    ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(
        KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("inventory"))));
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    String[][] spans = {{"GET /stock", "2"}, {"SELECT stock", "3"}, {"GET /stock", "3"}, {"reserve", "1"}};
    for (int i = 0; i < spans.length; i++) {
      ss.addSpans(Span.newBuilder().setTraceId(ByteString.fromHex("0000000000000000000000000000abcd"))
          .setSpanId(ByteString.fromHex("000000000000000" + (i + 1))).setName(spans[i][0])
          .setKind(Span.SpanKind.forNumber(Integer.parseInt(spans[i][1])))
          .setStartTimeUnixNano(1_700_000_000_000_000_000L + i).setEndTimeUnixNano(1_700_000_000_100_000_000L));
    }
    byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.addScopeSpans(ss)).build().toByteArray();
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.otlpHttpUrl()))
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aTraceIdWithoutLeadingZerosFindsTheTrace() throws Exception {
    TestServer.Reply r = server.get("/api/traces/abcd");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().at("/data/0/spans")).hasSize(4);
  }

  @ParameterizedTest
  @CsvSource({
      "/api/traces/0af7651916cd43dd8448eb211c80319c, 404, trace not found",
      "/api/traces/not-hex, 400, hexadecimal",
      "/api/traces/0af7651916cd43dd8448eb211c80319c00, 400, 1 to 32 hexadecimal characters",
      "/api/traces/00000000000000000000000000000000, 400, not all zero",
      "/api/operations, 400, service",
      "/api/operations?service=inventory&spanKind=sideways, 400, spanKind"})
  void errorsAreJsonWithTheStatus(String path, int status, String message) throws Exception {
    TestServer.Reply r = server.get(path);
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(r.json().at("/errors/0/code").asInt()).isEqualTo(status);
    assertThat(r.json().at("/errors/0/msg").asText()).contains(message);
  }

  @ParameterizedTest
  @CsvSource({
      "/api/v3/traces/0af7651916cd43dd8448eb211c80319c, 404, not found",
      "/api/v3/traces/zz, 400, hexadecimal"})
  void v3ErrorsUseTheGatewayShape(String path, int status, String message) throws Exception {
    TestServer.Reply r = server.get(path);
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.json().at("/error/httpCode").asInt()).isEqualTo(status);
    assertThat(r.json().at("/error/message").asText()).contains(message);
  }

  @Test
  void searchFindsTheTraceByServiceAndDuration() throws Exception {
    TestServer.Reply r = server.get("/api/traces?service=inventory&minDuration=50ms&lookback=custom"
        + "&start=1699999999000000&end=1700000001000000");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("data")).hasSize(1);
    assertThat(r.json().at("/data/0/traceID").asText()).isEqualTo("000000000000abcd");
    TestServer.Reply none = server.get("/api/traces?service=inventory&minDuration=1s"
        + "&start=1699999999000000&end=1700000001000000");
    assertThat(none.json().get("data")).isEmpty();
  }

  @Test
  void servicesAndOperations() throws Exception {
    assertThat(server.get("/api/services").json().get("data")).extracting(JsonNode::asText).containsExactly("inventory");
    assertThat(server.get("/api/services/inventory/operations").json().get("data")).extracting(JsonNode::asText)
        .containsExactly("GET /stock", "SELECT stock", "reserve");
    assertThat(server.get("/api/services/nobody/operations").json().get("data")).isEmpty();
    JsonNode clientOps = server.get("/api/operations?service=inventory&spanKind=client").json().get("data");
    assertThat(clientOps).hasSize(2);
    assertThat(clientOps).extracting(n -> n.get("name").asText()).containsExactly("GET /stock", "SELECT stock");
    JsonNode v3 = server.get("/api/v3/operations?service=inventory").json().get("operations");
    assertThat(v3).extracting(n -> n.get("name").asText() + "/" + n.get("spanKind").asText())
        .containsExactly("GET /stock/client", "GET /stock/server", "SELECT stock/client", "reserve/internal");
    assertThat(server.get("/api/v3/services").json().get("services")).extracting(JsonNode::asText)
        .containsExactly("inventory");
  }

  @Test
  void onlyGetIsAllowed() throws Exception {
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.queryUrl("/api/services")))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void healthIsReady() throws Exception {
    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.healthPort + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Server available");
  }
}
