package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.server.testing.Ports;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multitenancy as a user sets it up: the {@code multitenancy} extension, a bearer token per tenant
 * plus one shared token for a gateway that names the tenant in {@code X-Scope-OrgID}, every
 * receiver and the query API behind them. Spans are sent with the OpenTelemetry Java SDK's
 * exporters and read back over HTTP as each tenant.
 */
class MultitenancyTest {
  private static final String ACME = "acme-secret";
  private static final String GLOBEX = "globex-secret";
  private static final String GATEWAY = "gateway-secret";

  @TempDir
  Path data;

  final int grpcPort = Ports.free();
  final int httpPort = Ports.free();
  final int zipkinPort = Ports.free();
  final int queryPort = Ports.free();
  final int metricsPort = Ports.free();
  Service service;

  @BeforeEach
  void start() throws Exception {
    service = startService();
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.shutdown();
    }
  }

  private Service startService() throws Exception {
    String auth = "{authenticator: bearertokenauth}";
    String yaml = String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc: {endpoint: 127.0.0.1:" + grpcPort + ", auth: " + auth + "}",
        "      http: {endpoint: 127.0.0.1:" + httpPort + ", auth: " + auth + "}",
        "  zipkin: {endpoint: 127.0.0.1:" + zipkinPort + ", auth: " + auth + "}",
        "processors:",
        "  batch: {timeout: 20ms}",
        "exporters:",
        "  storage: {backend: main}",
        "  prometheus: {endpoint: 127.0.0.1:" + metricsPort + "}",
        "connectors:",
        "  spanmetrics: {metrics_flush_interval: 100ms}",
        "extensions:",
        "  multitenancy: {}",
        "  bearertokenauth:",
        "    token: " + GATEWAY,
        "    tenants:",
        "      - {tenant: acme, token: " + ACME + "}",
        "      - {tenant: globex, token: " + GLOBEX + "}",
        "  storage:",
        "    backends: {main: {embedded: {path: '" + data.resolve("store") + "'}}}",
        "  query: {endpoint: 127.0.0.1:" + queryPort + ", backend: main, auth: " + auth + "}",
        "service:",
        "  extensions: [multitenancy, bearertokenauth, storage, query]",
        "  pipelines:",
        "    traces: {receivers: [otlp, zipkin], processors: [batch], exporters: [storage, spanmetrics]}",
        "    metrics: {receivers: [spanmetrics], exporters: [prometheus]}",
        "");
    ResolvedConfig config = ResolvedConfig.resolve(ConfigSource.parse(yaml, k -> null), ComponentRegistry.load());
    Service s = Service.create(config, new Telemetry());
    s.start();
    return s;
  }

  /** Sends one trace of {@code serviceName} through {@code exporter}; returns its trace ID. */
  private static String send(SpanExporter exporter, String serviceName) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", serviceName).build()))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    Tracer tracer = provider.get("multitenancy-test");
    Span root = tracer.spanBuilder("GET /" + serviceName).startSpan();
    String traceId = root.getSpanContext().getTraceId();
    tracer.spanBuilder("child").setParent(io.opentelemetry.context.Context.current().with(root)).startSpan().end();
    root.end();
    assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return traceId;
  }

  private OtlpGrpcSpanExporter grpc(String token, String... header) {
    var b = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
        .setTimeout(Duration.ofSeconds(10)).addHeader("Authorization", "Bearer " + token);
    if (header.length > 0) {
      b.addHeader("X-Scope-OrgID", header[0]);
    }
    return b.build();
  }

  private OtlpHttpSpanExporter http(String token, String tenant) {
    return OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
        .setTimeout(Duration.ofSeconds(10)).addHeader("Authorization", "Bearer " + token)
        .addHeader("X-Scope-OrgID", tenant).build();
  }

  private HttpResponse<String> query(String path, String token, String... tenant) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + queryPort + path))
        .header("Authorization", "Bearer " + token);
    if (tenant.length > 0) {
      b.header("X-Scope-OrgID", tenant[0]);
    }
    return TestServer.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private List<String> services(String token, String... tenant) throws Exception {
    HttpResponse<String> r = query("/api/services", token, tenant);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    TestServer.JSON.readTree(r.body()).get("data").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void eachTenantSeesOnlyItsOwnTracesServicesAndMetrics() throws Exception {
    // acme's exporter claims to be globex in the header: the token wins.
    String acmeTrace = send(grpc(ACME, "globex"), "acme-shop");
    String globexTrace = send(grpc(GLOBEX), "globex-shop");
    // The gateway's shared token carries no tenant: the header names it.
    String initechTrace = send(http(GATEWAY, "initech"), "initech-app");

    assertThat(services(ACME)).containsExactly("acme-shop");
    assertThat(services(ACME, "globex")).containsExactly("acme-shop");
    assertThat(services(GLOBEX)).containsExactly("globex-shop");
    assertThat(services(GATEWAY, "initech")).containsExactly("initech-app");
    assertThat(services(GATEWAY, "nobody")).isEmpty();

    // Another tenant's trace does not exist for you: 404, not 403, through every API.
    assertThat(query("/api/traces/" + acmeTrace, ACME).statusCode()).isEqualTo(200);
    for (String path : List.of("/api/traces/", "/api/v2/traces/", "/api/v3/traces/")) {
      assertThat(query(path + globexTrace, ACME).statusCode()).as(path).isEqualTo(404);
      assertThat(query(path + acmeTrace, GLOBEX).statusCode()).as(path).isEqualTo(404);
      assertThat(query(path + acmeTrace, GATEWAY, "acme").statusCode()).as(path).isEqualTo(200);
    }
    assertThat(query("/api/traces/" + initechTrace, ACME, "initech").statusCode()).isEqualTo(404);

    // Search, Tempo's search and the tag values list only the tenant's own spans.
    JsonNode found = TestServer.JSON.readTree(query("/api/traces?service=globex-shop&lookback=1h", ACME).body());
    assertThat(found.get("data")).isEmpty();
    JsonNode tempo = TestServer.JSON.readTree(query("/api/search?limit=50", GLOBEX).body());
    List<String> ids = new ArrayList<>();
    tempo.get("traces").forEach(t -> ids.add(t.get("traceID").asText()));
    assertThat(ids).hasSize(1);
    assertThat(globexTrace).endsWith(ids.get(0).replaceFirst("^0+", ""));
    JsonNode values = TestServer.JSON.readTree(query("/api/v2/search/tag/resource.service.name/values", ACME).body());
    List<String> names = new ArrayList<>();
    values.get("tagValues").forEach(v -> names.add(v.get("value").asText()));
    assertThat(names).containsExactly("acme-shop");

    // Rate, errors and duration come from the tenant's own spans.
    JsonNode red = TestServer.JSON.readTree(query("/api/skein/red?groupBy=service", GLOBEX).body());
    assertThat(red.toString()).contains("globex-shop").doesNotContain("acme-shop").doesNotContain("initech-app");

    // Span metrics name the tenant of every series, so tenants' series never merge.
    String metrics = awaitMetrics("initech-app");
    assertThat(metrics).contains("tenant=\"acme\"").contains("tenant=\"globex\"").contains("tenant=\"initech\"");
    for (String line : metrics.lines().filter(l -> l.startsWith("traces_span_metrics_calls_total{")).toList()) {
      if (line.contains("service_name=\"acme-shop\"")) {
        assertThat(line).contains("tenant=\"acme\"");
      } else if (line.contains("service_name=\"globex-shop\"")) {
        assertThat(line).contains("tenant=\"globex\"");
      }
    }

    // Each tenant's spans are on disk apart and outlive a restart.
    service.shutdown();
    service = startService();
    assertThat(services(ACME)).containsExactly("acme-shop");
    assertThat(query("/api/traces/" + globexTrace, GLOBEX).statusCode()).isEqualTo(200);
    assertThat(query("/api/traces/" + globexTrace, ACME).statusCode()).isEqualTo(404);
  }

  @Test
  void aCollectorInFrontPassesTheTenantOn() throws Exception {
    // An edge collector with multitenancy takes the tenant from its clients' header and sends it
    // on with each batch, through its persistent sending queue, to this server.
    int edgePort = Ports.free();
    String yaml = String.join("\n",
        "receivers:",
        "  otlp: {protocols: {http: {endpoint: 127.0.0.1:" + edgePort + "}}}",
        "processors:",
        "  batch: {timeout: 20ms}",
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + grpcPort,
        "    tls: {insecure: true}",
        "    headers: {authorization: Bearer " + GATEWAY + "}",
        "    sending_queue: {storage: file_storage}",
        "extensions:",
        "  multitenancy: {}",
        "  file_storage: {directory: '" + data.resolve("queue") + "', create_directory: true}",
        "service:",
        "  extensions: [multitenancy, file_storage]",
        "  pipelines:",
        "    traces: {receivers: [otlp], processors: [batch], exporters: [otlp]}",
        "");
    Service edge = Service.create(ResolvedConfig.resolve(ConfigSource.parse(yaml, k -> null), ComponentRegistry.load()),
        new Telemetry());
    edge.start();
    try {
      String trace = send(OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + edgePort + "/v1/traces")
          .addHeader("X-Scope-OrgID", "hooli").build(), "hooli-search");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (query("/api/traces/" + trace, GATEWAY, "hooli").statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(query("/api/traces/" + trace, GATEWAY, "hooli").statusCode()).isEqualTo(200);
      assertThat(services(GATEWAY, "hooli")).containsExactly("hooli-search");
      assertThat(query("/api/traces/" + trace, ACME).statusCode()).isEqualTo(404);
    } finally {
      edge.shutdown();
    }
  }

  private String awaitMetrics(String needle) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      if (body.contains(needle)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no span metrics of " + needle + " after 30 s:\n" + body);
  }

  @Test
  void requestsWithoutAValidTenantAreRefusedWithAClearError() throws Exception {
    // Query API: no tenant is unauthenticated (401); an invalid one is a bad request (400).
    HttpResponse<String> none = query("/api/services", GATEWAY);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("X-Scope-OrgID header is missing");
    HttpResponse<String> dots = query("/api/services", GATEWAY, "../x");
    assertThat(dots.statusCode()).isEqualTo(400);
    assertThat(dots.body()).contains("X-Scope-OrgID").contains("'/'");
    assertThat(query("/api/services", GATEWAY, "..").statusCode()).isEqualTo(400);
    assertThat(query("/api/services", GATEWAY, "a".repeat(151)).statusCode()).isEqualTo(400);
    // The UI's page holds no data and needs no tenant; its API calls do.
    assertThat(query("/", GATEWAY).statusCode()).isEqualTo(200);

    // OTLP/HTTP: the same statuses, with the OTLP Status body naming the header.
    byte[] body = ExportTraceServiceRequest.getDefaultInstance().toByteArray();
    HttpResponse<String> bad = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
        .header("Authorization", "Bearer " + GATEWAY).header("X-Scope-OrgID", "../x")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("X-Scope-OrgID");
    HttpResponse<byte[]> missing = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
        .header("Authorization", "Bearer " + GATEWAY)
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(com.google.rpc.Status.parseFrom(missing.body()).getMessage()).contains("X-Scope-OrgID header is missing");

    // OTLP/gRPC: UNAUTHENTICATED without a tenant, INVALID_ARGUMENT (not retryable) for a bad one.
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      assertThat(grpcStatus(channel, Map.of("authorization", "Bearer " + GATEWAY)).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      Status invalid = grpcStatus(channel, Map.of("authorization", "Bearer " + GATEWAY, "x-scope-orgid", "../x"));
      assertThat(invalid.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(invalid.getDescription()).contains("X-Scope-OrgID").contains("'/'");
      assertThat(grpcStatus(channel, Map.of("authorization", "Bearer " + GATEWAY, "x-scope-orgid", "ok")).getCode())
          .isEqualTo(Status.Code.OK);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // Zipkin: the same rule on its port.
    HttpResponse<String> zipkin = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + zipkinPort + "/api/v2/spans"))
        .header("Authorization", "Bearer " + GATEWAY).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[]", StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(zipkin.statusCode()).isEqualTo(401);
  }

  private static Status grpcStatus(ManagedChannel channel, Map<String, String> headers) {
    Metadata m = new Metadata();
    headers.forEach((k, v) -> m.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    try {
      TraceServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
          .withDeadlineAfter(10, TimeUnit.SECONDS).export(ExportTraceServiceRequest.getDefaultInstance());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }
}
