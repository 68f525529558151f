package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.skein.pipeline.Telemetry;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the all-in-one server stores of abusive input, under the default {@code limits} of its
 * storage backend except a per-trace cap of 1,000 spans, and how its query API answers abusive
 * queries: each precisely, while other clients are still served.
 */
class StorageLimitsTest {
  static final int CAP = 1_000;
  static final int DEFAULT_VALUE_LENGTH = 65_536;
  static final int DEFAULT_ATTRIBUTES = 1_024;

  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(data, java.util.Map.of(), config -> {
      String embedded = "          retention: 168h\n";
      assertThat(config).contains(embedded);
      return config.replace(embedded, embedded + "        limits:\n          max_spans_per_trace: " + CAP + "\n");
    });
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @CsvSource({"http/protobuf, 10485760", "grpc, 3145728"})
  void aHugeValueIsStoredTruncatedAndAHundredThousandAttributesAreCutToTheLimit(String protocol, int valueLength)
      throws Exception {
    // gRPC messages are capped at max_recv_msg_size_mib (4 MiB), so a 10 MB value over gRPC is refused
    // with RESOURCE_EXHAUSTED (OtlpReceiverErrorsTest); a 3 MB one fits.
    SpanExporter exporter = protocol.equals("grpc")
        ? OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort)
            .setTimeout(Duration.ofSeconds(60)).build()
        : OtlpHttpSpanExporter.builder().setEndpoint(server.otlpHttpUrl()).setTimeout(Duration.ofSeconds(60)).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setSpanLimits(SpanLimits.builder().setMaxNumberOfAttributes(200_000).build())
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    String big = "é".repeat(valueLength / 2); // two UTF-8 bytes each: valueLength bytes
    Span huge = provider.get("limits").spanBuilder("huge value").startSpan();
    huge.setAttribute("payload", big);
    huge.setAttribute("small", "kept");
    huge.end();
    Span many = provider.get("limits").spanBuilder("many attributes").startSpan();
    for (int i = 0; i < 100_000; i++) {
      many.setAttribute(AttributeKey.longKey("attr." + i), i);
    }
    many.end();
    CompletableResultCode flushed = provider.forceFlush().join(120, TimeUnit.SECONDS);
    assertThat(flushed.isSuccess()).as("the exporter's requests were accepted").isTrue();
    provider.close();

    io.opentelemetry.proto.trace.v1.Span hugeStored = storedSpan(huge.getSpanContext().getTraceId());
    assertThat(value(hugeStored, "payload").getStringValue()).isEqualTo("é".repeat(DEFAULT_VALUE_LENGTH));
    assertThat(value(hugeStored, "small").getStringValue()).isEqualTo("kept");
    assertThat(hugeStored.getDroppedAttributesCount()).isZero();

    io.opentelemetry.proto.trace.v1.Span manyStored = storedSpan(many.getSpanContext().getTraceId());
    assertThat(manyStored.getAttributesCount()).isEqualTo(DEFAULT_ATTRIBUTES);
    assertThat(manyStored.getAttributes(0).getKey()).isEqualTo("attr.0");
    assertThat(manyStored.getAttributes(DEFAULT_ATTRIBUTES - 1).getKey()).isEqualTo("attr." + (DEFAULT_ATTRIBUTES - 1));
    assertThat(manyStored.getDroppedAttributesCount()).isEqualTo(100_000 - DEFAULT_ATTRIBUTES);

    JsonNode jaeger = server.get("/api/traces/" + huge.getSpanContext().getTraceId()).json();
    JsonNode tags = jaeger.at("/data/0/spans/0/tags");
    List<String> payloads = new ArrayList<>();
    tags.forEach(t -> {
      if (t.get("key").asText().equals("payload")) {
        payloads.add(t.get("value").asText());
      }
    });
    assertThat(payloads).singleElement().satisfies(p -> assertThat(p).hasSize(DEFAULT_VALUE_LENGTH));
  }

  @Test
  void aZipkinTagOfTenMegabytesIsStoredTruncated() throws Exception {
    String traceId = "5b8aa5a2d2c872e8321cf37308d69df2";
    long micros = System.currentTimeMillis() * 1000;
    String body = "[{\"traceId\":\"" + traceId + "\",\"id\":\"5b8aa5a2d2c872e8\",\"name\":\"zipkin big tag\","
        + "\"timestamp\":" + micros + ",\"duration\":1000,\"localEndpoint\":{\"serviceName\":\"limits-zipkin\"},"
        + "\"tags\":{\"payload\":\"" + "z".repeat(10 << 20) + "\"}}]";

    HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.zipkinPort + "/api/v2/spans"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(value(storedSpan(traceId), "payload").getStringValue()).isEqualTo("z".repeat(DEFAULT_VALUE_LENGTH));
  }

  @Test
  void aTraceFarLargerThanTheCapIsStoredUpToItAndReadWithAWarning() throws Exception {
    String traceId = "7f1e0000000000000000000000000001";
    long base = System.currentTimeMillis() * 1_000_000L;
    int batches = 10;
    int perBatch = 2_000;
    for (int b = 0; b < batches; b++) {
      ScopeSpans.Builder ss = ScopeSpans.newBuilder();
      for (int i = 0; i < perBatch; i++) {
        int n = b * perBatch + i;
        ss.addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder().setTraceId(ByteString.fromHex(traceId))
            .setSpanId(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(n + 1L).array()))
            .setName("step " + n).setStartTimeUnixNano(base + n * 1_000L).setEndTimeUnixNano(base + n * 1_000L + 500));
      }
      assertThat(postOtlp(resource("limits-flood").addScopeSpans(ss).build())).isEqualTo(200);
    }
    long dropped = batches * perBatch - CAP;
    Telemetry.Key droppedKey = new Telemetry.Key("skein_storage_dropped_spans", "exporter", "storage");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (server.telemetry.counters().getOrDefault(droppedKey, 0L) < dropped && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(server.telemetry.counters().get(droppedKey)).isEqualTo(dropped);

    TestServer.Reply v3 = server.get("/api/v3/traces/" + traceId);
    assertThat(v3.status()).isEqualTo(200);
    TracesData stored = OtlpJson.decode(
        TestServer.JSON.writeValueAsBytes(v3.json().get("result")), TracesData.getDefaultInstance());
    List<String> names = new ArrayList<>();
    stored.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(
        ss -> ss.getSpansList().forEach(s -> names.add(s.getName()))));
    assertThat(names).hasSize(CAP).contains("step 0", "step " + (CAP - 1)).doesNotContain("step " + CAP);
    String warning = "trace " + traceId + " reached the storage backend's cap of " + CAP
        + " spans per trace (limits::max_spans_per_trace); spans received after that were not stored";
    assertThat(v3.json().get("warnings")).extracting(JsonNode::asText).containsExactly(warning);

    TestServer.Reply jaeger = server.get("/api/traces/" + traceId);
    assertThat(jaeger.json().at("/data/0/spans")).hasSize(CAP);
    assertThat(jaeger.json().at("/data/0/warnings")).extracting(JsonNode::asText).containsExactly(warning);

    TestServer.Reply tempo = server.get("/api/v2/traces/" + traceId);
    assertThat(tempo.json().get("status").asText()).isEqualTo("PARTIAL");
    assertThat(tempo.json().get("message").asText()).isEqualTo(warning);

    // Other traces are still stored and read, without the warning.
    String other = "7f1e0000000000000000000000000002";
    assertThat(postOtlp(resource("limits-other").addScopeSpans(ScopeSpans.newBuilder().addSpans(
        io.opentelemetry.proto.trace.v1.Span.newBuilder().setTraceId(ByteString.fromHex(other))
            .setSpanId(ByteString.fromHex("0000000000000001")).setName("after the flood")
            .setStartTimeUnixNano(base).setEndTimeUnixNano(base + 1_000))).build())).isEqualTo(200);
    io.opentelemetry.proto.trace.v1.Span after = storedSpan(other);
    assertThat(after.getName()).isEqualTo("after the flood");
    assertThat(server.get("/api/traces/" + other).json().at("/data/0/warnings")).isEmpty();
  }

  @Test
  void aHugeLimitIsLoweredAndAnImpossibleOneRefused() throws Exception {
    TestServer.Reply capped = server.get("/api/traces?service=limits-flood&limit=2000000000");
    assertThat(capped.status()).isEqualTo(200);
    assertThat(capped.json().get("limit").asInt()).isEqualTo(1000);

    TestServer.Reply overflow = server.get("/api/traces?service=limits-flood&limit=99999999999999999999");
    assertThat(overflow.status()).isEqualTo(400);
    assertThat(overflow.json().at("/errors/0/msg").asText()).contains("parameter limit: \"99999999999999999999\"");

    TestServer.Reply tempo = server.get("/api/search?q=" + encode("{ }") + "&limit=2000000000");
    assertThat(tempo.status()).isEqualTo(200);
  }

  @Test
  void aYearLongRangeIsRefusedNamingTheMaximum() throws Exception {
    long end = System.currentTimeMillis();
    long start = end - Duration.ofDays(365).toMillis();

    TestServer.Reply jaeger = server.get("/api/traces?service=limits-flood&start=" + start * 1000 + "&end=" + end * 1000);
    assertThat(jaeger.status()).isEqualTo(400);
    assertThat(jaeger.json().at("/errors/0/msg").asText())
        .contains("parameters start and end: a range of 365d (expected: at most 7d, the configured maximum time range)");

    HttpResponse<String> tempo = getText("/api/search?q=" + encode("{ }") + "&start=" + start / 1000 + "&end=" + end / 1000);
    assertThat(tempo.statusCode()).isEqualTo(400);
    assertThat(tempo.body()).contains("a range of 365d (expected: at most 7d, the configured maximum time range)");
  }

  @Test
  void aCatastrophicRegexEndsWithinItsBudgetWhileOtherQueriesAreAnswered() throws Exception {
    String traceId = "7f1e0000000000000000000000000003";
    long base = System.currentTimeMillis() * 1_000_000L;
    assertThat(postOtlp(resource("limits-regex").addScopeSpans(ScopeSpans.newBuilder().addSpans(
        io.opentelemetry.proto.trace.v1.Span.newBuilder().setTraceId(ByteString.fromHex(traceId))
            .setSpanId(ByteString.fromHex("0000000000000001")).setName("regex victim")
            .addAttributes(KeyValue.newBuilder().setKey("payload")
                .setValue(AnyValue.newBuilder().setStringValue("a".repeat(5_000) + "!")))
            .setStartTimeUnixNano(base).setEndTimeUnixNano(base + 1_000))).build())).isEqualTo(200);
    storedSpan(traceId);

    List<CompletableFuture<HttpResponse<String>>> abusive = List.of(
        CompletableFuture.supplyAsync(() -> getText("/api/search?q=" + encode("{ span.payload =~ \"(.*a){20}\" }"))),
        CompletableFuture.supplyAsync(() -> getText("/api/traces?service=limits-regex&tagRegex="
            + encode("payload:(.*a){20}"))));
    TestServer.Reply normal = server.get("/api/traces?service=limits-regex");
    assertThat(normal.status()).isEqualTo(200);
    assertThat(normal.json().get("data")).hasSize(1);

    for (CompletableFuture<HttpResponse<String>> f : abusive) {
      HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
      // Either the store matched in linear time (the value ends in "!", so nothing matches), or the budget stopped the match.
      if (r.statusCode() == 200) {
        assertThat(r.body()).doesNotContain(traceId.substring(4)).doesNotContain("regex victim");
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("regular expressions ran longer than the budget");
      }
    }
  }

  @Test
  void aDeeplyNestedTraceQlQueryIsRefusedNamingTheDepth() throws Exception {
    String nested = "(".repeat(500) + "{ name = \"x\" }" + ")".repeat(500);

    HttpResponse<String> r = getText("/api/search?q=" + encode(nested));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("parameter q: invalid TraceQL query: line 1, column 101: the query nests deeper than"
        + " 100 levels (expected: at most 100 levels of parentheses, '!', '-' and spanset operators in a row)");
  }

  @Test
  void anEnormousTraceQlQueryIsRefusedAsTooLongAndTheServerStillAnswers() throws Exception {
    String enormous = "{ name = \"" + "x".repeat(1 << 20) + "\" }";

    HttpResponse<String> r = getText("/api/search?q=" + encode(enormous));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(414);
    assertThat(server.get("/api/services").status()).isEqualTo(200);
  }

  private static HttpResponse<String> getText(String path) {
    try {
      return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.queryUrl(path))).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static ResourceSpans.Builder resource(String service) {
    return ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(
        KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))));
  }

  private static int postOtlp(ResourceSpans rs) throws Exception {
    byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray();
    return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.otlpHttpUrl()))
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** The only span of trace {@code traceId}, read through the Jaeger v3 API once it is stored. */
  private static io.opentelemetry.proto.trace.v1.Span storedSpan(String traceId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    TestServer.Reply r = server.get("/api/v3/traces/" + traceId);
    while (r.status() == 404 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      r = server.get("/api/v3/traces/" + traceId);
    }
    assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    TracesData stored = OtlpJson.decode(
        TestServer.JSON.writeValueAsBytes(r.json().get("result")), TracesData.getDefaultInstance());
    List<io.opentelemetry.proto.trace.v1.Span> spans = new ArrayList<>();
    stored.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList())));
    assertThat(spans).hasSize(1);
    return spans.get(0);
  }

  private static AnyValue value(io.opentelemetry.proto.trace.v1.Span span, String key) {
    return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).findFirst()
        .orElseThrow(() -> new AssertionError("span " + span.getName() + " has no attribute " + key))
        .getValue();
  }
}
