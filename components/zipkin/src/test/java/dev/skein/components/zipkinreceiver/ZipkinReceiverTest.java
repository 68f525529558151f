package dev.skein.components.zipkinreceiver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.config.ConfigBinder;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.SpanBytesEncoder;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * The receiver over real HTTP on a free loopback port, fed by Zipkin's own Java reporter and by a
 * plain HTTP client. A recording consumer stands in for the rest of the pipeline: the processors
 * and exporters live in other modules, and the tests need its failures on demand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZipkinReceiverTest {
  private static final String EXAMPLE_JSON = """
      [{"id": "352bff9a74ca9ad2", "traceId": "5af7183fb1d4cf5f", "parentId": "6b221d5bc9e6496c",
        "name": "get /api", "timestamp": 1556604172355737, "duration": 1431, "kind": "SERVER",
        "localEndpoint": {"serviceName": "backend", "ipv4": "192.168.99.1", "port": 3306},
        "remoteEndpoint": {"ipv4": "172.19.0.2", "port": 58648},
        "tags": {"http.method": "GET", "http.path": "/api"}}]
      """;

  private final Telemetry telemetry = new Telemetry();
  private final CapturingConsumer pipeline = new CapturingConsumer();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final List<ZipkinReceiver> receivers = new ArrayList<>();
  /** Shared by the tests that need the default settings; stopping a server takes a while. */
  private ZipkinReceiver receiver;
  /** Shared by the tests of the body limit. */
  private ZipkinReceiver small;

  @BeforeAll
  void startShared() throws Exception {
    receiver = start("endpoint: 127.0.0.1:0");
    small = start("endpoint: 127.0.0.1:0\nmax_request_body_size: 1024");
  }

  @BeforeEach
  void resetPipeline() {
    pipeline.batches.clear();
    pipeline.answer = t -> CompletableFuture.completedFuture(null);
  }

  @AfterAll
  void stopAll() {
    receivers.forEach(ZipkinReceiver::shutdown);
  }

  @Test
  void acceptsJsonFromZipkinsReporter() throws Exception {
    Span span = checkoutSpan();

    try (URLConnectionSender sender = sender(Encoding.JSON, false)) {
      sender.send(List.of(SpanBytesEncoder.JSON_V2.encode(span)));
    }

    assertIsCheckoutSpan(pipeline.next());
  }

  @Test
  void acceptsProto3FromZipkinsReporter() throws Exception {

    try (URLConnectionSender sender = sender(Encoding.PROTO3, false)) {
      sender.send(List.of(SpanBytesEncoder.PROTO3.encode(checkoutSpan())));
    }

    assertIsCheckoutSpan(pipeline.next());
  }

  @Test
  void acceptsGzipFromZipkinsReporter() throws Exception {
    Span second = checkoutSpan().toBuilder().id("00000000000000b2").name("second").build();

    try (URLConnectionSender sender = sender(Encoding.PROTO3, true)) {
      sender.send(List.of(SpanBytesEncoder.PROTO3.encode(checkoutSpan()), SpanBytesEncoder.PROTO3.encode(second)));
    }

    Traces traces = pipeline.next();
    assertThat(traces.spanCount()).isEqualTo(2);
    assertThat(traces.resourceSpans().get(0).getScopeSpans(0).getSpans(1).getName()).isEqualTo("second");
  }

  @Test
  void acceptsGzipAndDeflateBodiesAndJsonWithoutContentType() throws Exception {

    HttpResponse<String> gzip = post("/api/v2/spans", "application/json", "gzip", gzip(EXAMPLE_JSON.getBytes(UTF_8)));
    HttpResponse<String> deflate = post("/api/v2/spans", "application/json; charset=utf-8", "deflate",
        deflate(EXAMPLE_JSON.getBytes(UTF_8)));
    HttpResponse<String> untyped = post("/api/v2/spans", null, null, EXAMPLE_JSON.getBytes(UTF_8));

    assertThat(List.of(gzip.statusCode(), deflate.statusCode(), untyped.statusCode())).containsExactly(202, 202, 202);
    assertThat(gzip.body()).isEmpty();
    for (int i = 0; i < 3; i++) {
      assertThat(pipeline.next().resourceSpans().get(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("get /api");
    }
  }

  @Test
  void answersOnlyOnceThePipelineHasTheSpans() throws Exception {
    CompletableFuture<Void> stored = new CompletableFuture<>();
    pipeline.answer = t -> stored;

    CompletableFuture<HttpResponse<String>> response = http.sendAsync(
        request(receiver, "/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8)),
        HttpResponse.BodyHandlers.ofString());
    pipeline.next();

    assertThat(response).isNotDone();
    stored.complete(null);
    assertThat(response.get(10, SECONDS).statusCode()).isEqualTo(202);
  }

  @Test
  void countsAcceptedAndRefusedSpans() throws Exception {
    Telemetry.Key accepted = new Telemetry.Key("otelcol_receiver_accepted_spans", "receiver", "zipkin/in");
    Telemetry.Key refused = new Telemetry.Key("otelcol_receiver_refused_spans", "receiver", "zipkin/in");
    long acceptedBefore = telemetry.counters().getOrDefault(accepted, 0L);
    long refusedBefore = telemetry.counters().getOrDefault(refused, 0L);

    post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));
    pipeline.answer = t -> CompletableFuture.failedFuture(PipelineException.overCapacity("memory limit reached"));
    post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));
    post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));

    assertThat(telemetry.counters().get(accepted) - acceptedBefore).isEqualTo(1);
    assertThat(telemetry.counters().get(refused) - refusedBefore).isEqualTo(2);
  }

  @Test
  void emptyListIsAcceptedWithoutBotheringThePipeline() throws Exception {

    assertThat(post("/api/v2/spans", "application/json", null, "[]".getBytes(UTF_8)).statusCode()).isEqualTo(202);
    assertThat(pipeline.batches).isEmpty();
  }

  @Test
  void overloadedPipelineIsServiceUnavailableWithRetryAfter() throws Exception {
    pipeline.answer = t -> CompletableFuture.failedFuture(PipelineException.overCapacity("memory limit reached"));

    HttpResponse<String> r = post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).hasValue("1");
    assertThat(r.body()).isEqualTo("memory limit reached\n");
  }

  @Test
  void retryablePipelineFailureIsServiceUnavailable() throws Exception {
    pipeline.answer = t -> CompletableFuture.failedFuture(
        PipelineException.retryable("storage is unreachable", new IOException("connection refused")));

    HttpResponse<String> r = post("/api/v2/spans", "application/x-protobuf", null,
        zipkin2.codec.SpanBytesEncoder.PROTO3.encodeList(List.of(checkoutSpan())));

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).hasValue("1");
  }

  @Test
  void permanentPipelineFailureIsInternalServerError() throws Exception {
    pipeline.answer = t -> CompletableFuture.failedFuture(PipelineException.permanent("disk is read-only", null));

    HttpResponse<String> r = post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("disk is read-only\n");
  }

  @Test
  void pipelineThatThrowsIsInternalServerError() throws Exception {
    pipeline.answer = t -> {
      throw new IllegalStateException("exporter is shut down");
    };

    HttpResponse<String> r = post("/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("exporter is shut down\n");
  }

  static Stream<Arguments> badRequests() throws IOException {
    byte[] json = EXAMPLE_JSON.getBytes(UTF_8);
    return Stream.of(
        Arguments.of("undecodable JSON", "/api/v2/spans", "application/json", null,
            "[{\"traceId\": \"xyz\", \"id\": \"352bff9a74ca9ad2\"}]".getBytes(UTF_8), 400,
            "Zipkin v2 JSON cannot be decoded: [0].traceId: \"xyz\" (expected: 16 or 32 hexadecimal characters)\n"),
        Arguments.of("undecodable proto3", "/api/v2/spans", "application/x-protobuf", null,
            new byte[] {0x0a, 0x04, 0x0a, 0x02, 0x01, 0x02}, 400,
            "Zipkin v2 proto3 cannot be decoded: spans[0].trace_id: 2 bytes (expected: 8 or 16)\n"),
        Arguments.of("gzip header on a plain body", "/api/v2/spans", "application/json", "gzip", json, 400,
            "request body: not valid gzip (Not in GZIP format)\n"),
        Arguments.of("unknown content type", "/api/v2/spans", "text/plain", null, json, 415,
            "Content-Type: \"text/plain\" (expected: application/json or application/x-protobuf)\n"),
        Arguments.of("Zipkin v1 Thrift", "/api/v2/spans", "application/x-thrift", null, json, 415,
            "Content-Type: \"application/x-thrift\": Zipkin v1 Thrift is not supported (expected: Zipkin v2 spans"
                + " as application/json or application/x-protobuf)\n"),
        Arguments.of("unknown content encoding", "/api/v2/spans", "application/json", "br", json, 415,
            "Content-Encoding: \"br\" (expected: gzip, deflate or identity)\n"),
        Arguments.of("Zipkin v1 endpoint", "/api/v1/spans", "application/json", null, json, 415,
            "Zipkin v1 is not supported (expected: Zipkin v2 spans at POST /api/v2/spans, as application/json"
                + " or application/x-protobuf)\n"),
        Arguments.of("body over max_request_body_size after gzip decompression", "/api/v2/spans", "application/json",
            "gzip", gzip(new byte[4096]), 413,
            "request body: more than 1024 bytes after gzip decompression (expected: at most max_request_body_size)\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusesBadRequestsWithStatusAndMessage(String name, String path, String contentType, String encoding,
      byte[] body, int status, String message) throws Exception {
    HttpResponse<String> r = post(small, path, contentType, encoding, body);

    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    assertThat(r.body()).isEqualTo(message);
    assertThat(pipeline.batches).isEmpty();
  }

  @Test
  void bodyOverMaxRequestBodySizeIsTooLargeWithOrWithoutContentLength() throws Exception {
    byte[] body = ("[" + "null,".repeat(400) + "null]").getBytes(UTF_8);
    HttpRequest chunked = HttpRequest.newBuilder(uri(small, "/api/v2/spans"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
        .build();

    HttpResponse<String> withLength = post(small, "/api/v2/spans", "application/json", null, body);
    HttpResponse<String> withoutLength = http.send(chunked, HttpResponse.BodyHandlers.ofString());

    for (HttpResponse<String> r : List.of(withLength, withoutLength)) {
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.body()).isEqualTo(
          "request body: more than 1024 bytes (expected: at most max_request_body_size)\n");
    }
    assertThat(pipeline.batches).isEmpty();
  }

  @Test
  void onlyPostIsServed() throws Exception {

    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(receiver, "/api/v2/spans")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void parseStringTagsTypesTagValues() throws Exception {
    ZipkinReceiver typed = start("endpoint: 127.0.0.1:0\nparse_string_tags: true");
    String json = "[{\"traceId\": \"1\", \"id\": \"1\", \"timestamp\": 1,"
        + " \"tags\": {\"http.status_code\": \"200\", \"cache.hit\": \"true\", \"ratio\": \"0.5\", \"id\": \"x1\"}}]";

    post(typed, "/api/v2/spans", "application/json", null, json.getBytes(UTF_8));
    typed.shutdown();

    Map<String, AnyValue> attributes = attributes(pipeline.next().resourceSpans().get(0));
    assertThat(attributes.get("http.status_code").getIntValue()).isEqualTo(200);
    assertThat(attributes.get("cache.hit").getBoolValue()).isTrue();
    assertThat(attributes.get("ratio").getDoubleValue()).isEqualTo(0.5);
    assertThat(attributes.get("id").getStringValue()).isEqualTo("x1");
  }

  @Test
  void startAndShutdownAreIdempotentAndShutdownWorksWithoutStart() throws Exception {
    ZipkinReceiver never = create("endpoint: 127.0.0.1:0");
    never.shutdown();

    ZipkinReceiver r = start("endpoint: 127.0.0.1:0");
    int port = r.activePort();
    r.start(Map::of);
    assertThat(r.activePort()).isEqualTo(port);
    HttpRequest afterShutdown = request(r, "/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8));
    r.shutdown();
    r.shutdown();

    assertThatThrownBy(() -> http.send(afterShutdown, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void shutdownAnswersRequestsInFlightFirst() throws Exception {
    ZipkinReceiver r = start("endpoint: 127.0.0.1:0");
    CompletableFuture<Void> stored = new CompletableFuture<>();
    pipeline.answer = t -> stored;
    CompletableFuture<HttpResponse<String>> response = http.sendAsync(
        request(r, "/api/v2/spans", "application/json", null, EXAMPLE_JSON.getBytes(UTF_8)),
        HttpResponse.BodyHandlers.ofString());
    pipeline.next();

    int port = r.activePort();
    CompletableFuture<Void> stopped = CompletableFuture.runAsync(r::shutdown);
    awaitNotListening(port);
    stored.complete(null);

    assertThat(response.get(10, SECONDS).statusCode()).isEqualTo(202);
    stopped.get(20, SECONDS);
  }

  @Test
  void saysWhichEndpointCannotBeBound() throws Exception {
    String taken = "127.0.0.1:" + receiver.activePort();
    ZipkinReceiver second = create("endpoint: " + taken);

    assertThatThrownBy(() -> second.start(Map::of))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Zipkin receiver \"zipkin/in\" cannot listen on " + taken + ": ");
  }

  private ZipkinReceiver create(String yaml) throws Exception {
    ZipkinReceiverFactory factory = new ZipkinReceiverFactory();
    ZipkinReceiverConfig config = ConfigBinder.bind(new ObjectMapper(new YAMLFactory()).readTree(yaml),
        factory.createDefaultConfig(), "receivers::zipkin/in");
    assertThat(config.validate()).isEmpty();
    ZipkinReceiver r = (ZipkinReceiver) factory.createTracesReceiver(
        new CreateSettings(ComponentId.parse("zipkin/in"), telemetry), config, pipeline);
    receivers.add(r);
    return r;
  }

  /** Waits, for at most 10 seconds, until the port refuses new connections: shutdown has begun. */
  private static void awaitNotListening(int port) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        new Socket("127.0.0.1", port).close();
        Thread.sleep(10);
      } catch (IOException refused) {
        return;
      }
    }
    throw new AssertionError("port " + port + " still accepts connections 10 s after shutdown began");
  }

  private ZipkinReceiver start(String yaml) throws Exception {
    ZipkinReceiver r = create(yaml);
    r.start(Map::of);
    return r;
  }

  private URLConnectionSender sender(Encoding encoding, boolean gzip) {
    return URLConnectionSender.newBuilder().endpoint(uri(receiver, "/api/v2/spans").toString())
        .encoding(encoding).compressionEnabled(gzip).build();
  }

  private static URI uri(ZipkinReceiver r, String path) {
    return URI.create("http://127.0.0.1:" + r.activePort() + path);
  }

  private static HttpRequest request(ZipkinReceiver r, String path, String contentType, String encoding, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(r, path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return b.build();
  }

  private HttpResponse<String> post(String path, String contentType, String encoding, byte[] body) throws Exception {
    return post(receiver, path, contentType, encoding, body);
  }

  private HttpResponse<String> post(ZipkinReceiver r, String path, String contentType, String encoding, byte[] body)
      throws Exception {
    return http.send(request(r, path, contentType, encoding, body), HttpResponse.BodyHandlers.ofString());
  }

  /** A Zipkin client span as a Brave-instrumented service would report it. */
  private static Span checkoutSpan() {
    return Span.newBuilder()
        .traceId("4e441824ec2b6a44ffdc9bb9a6453df3").id("ffdc9bb9a6453df3").parentId("4e441824ec2b6a44")
        .name("post /checkout").kind(Span.Kind.CLIENT).timestamp(1502787600000000L).duration(150000L)
        .localEndpoint(Endpoint.newBuilder().serviceName("frontend").ip("192.168.99.101").port(8080).build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("payments").ip("2001:db8::c001").port(9000).build())
        .addAnnotation(1502787600100000L, "ws")
        .putTag("http.method", "POST").putTag("otel.status_code", "ERROR").putTag("error", "card declined")
        .build();
  }

  private static void assertIsCheckoutSpan(Traces traces) {
    assertThat(traces.spanCount()).isEqualTo(1);
    ResourceSpans rs = traces.resourceSpans().get(0);
    assertThat(rs.getResource().getAttributesList()).containsExactly(KeyValue.newBuilder().setKey("service.name")
        .setValue(AnyValue.newBuilder().setStringValue("frontend")).build());
    io.opentelemetry.proto.trace.v1.Span span = rs.getScopeSpans(0).getSpans(0);
    assertThat(dev.skein.model.Hex.encode(span.getTraceId())).isEqualTo("4e441824ec2b6a44ffdc9bb9a6453df3");
    assertThat(dev.skein.model.Hex.encode(span.getSpanId())).isEqualTo("ffdc9bb9a6453df3");
    assertThat(dev.skein.model.Hex.encode(span.getParentSpanId())).isEqualTo("4e441824ec2b6a44");
    assertThat(span.getName()).isEqualTo("post /checkout");
    assertThat(span.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1502787600000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1502787600150000000L);
    assertThat(span.getStatus().getCode())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getEvents(0).getName()).isEqualTo("ws");
    Map<String, AnyValue> attributes = attributes(rs);
    assertThat(attributes.get("http.method").getStringValue()).isEqualTo("POST");
    assertThat(attributes.get("error").getStringValue()).isEqualTo("card declined");
    assertThat(attributes.get("net.host.ip").getStringValue()).isEqualTo("192.168.99.101");
    assertThat(attributes.get("net.host.port").getIntValue()).isEqualTo(8080);
    assertThat(attributes.get("peer.service").getStringValue()).isEqualTo("payments");
    assertThat(attributes.get("net.peer.ip").getStringValue()).isEqualTo("2001:db8::c001");
    assertThat(attributes.get("net.peer.port").getIntValue()).isEqualTo(9000);
  }

  private static Map<String, AnyValue> attributes(ResourceSpans rs) {
    Map<String, AnyValue> out = new java.util.LinkedHashMap<>();
    rs.getScopeSpans(0).getSpans(0).getAttributesList().forEach(kv -> out.put(kv.getKey(), kv.getValue()));
    return out;
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] deflate(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  /** Stands in for the pipeline after the receiver: records each batch and answers as the test says. */
  static final class CapturingConsumer implements TracesConsumer {
    final BlockingQueue<Traces> batches = new LinkedBlockingQueue<>();
    volatile Function<Traces, CompletableFuture<Void>> answer = t -> CompletableFuture.completedFuture(null);

    @Override
    public CompletableFuture<Void> consume(Traces traces) {
      batches.add(traces);
      return answer.apply(traces);
    }

    Traces next() throws InterruptedException {
      Traces t = batches.poll(10, SECONDS);
      assertThat(t).as("a batch handed to the pipeline").isNotNull();
      return t;
    }
  }
}
