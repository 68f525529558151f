package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.server.testing.Ports;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Skein's all-in-one service in this JVM from the default configuration (the jar's
 * {@code default-config.yaml}, as {@code ./skein run} loads it), on free loopback ports, with its
 * data in a given directory. The UI is at {@link #url}.
 */
final class UiServer implements AutoCloseable {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final int otlpHttpPort = freePort();
  private final int queryPort = freePort();
  private final Service service;

  UiServer(Path data) throws Exception {
    this(data, UnaryOperator.identity());
  }

  /** The same with the default configuration changed by {@code change} first. */
  UiServer(Path data, UnaryOperator<String> change) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("SKEIN_DATA", data.toString());
    env.put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + freePort());
    env.put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + otlpHttpPort);
    env.put("SKEIN_QUERY_ENDPOINT", "127.0.0.1:" + queryPort);
    env.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + freePort());
    env.put("SKEIN_ZIPKIN_ENDPOINT", "127.0.0.1:" + freePort());
    env.put("SKEIN_JAEGER_GRPC_ENDPOINT", "127.0.0.1:" + freePort());
    env.put("SKEIN_SPANMETRICS_ENDPOINT", "127.0.0.1:" + freePort());
    env.put("SKEIN_TELEMETRY_ENDPOINT", "127.0.0.1:" + freePort());
    String yaml;
    try (InputStream in = UiServer.class.getClassLoader().getResourceAsStream("default-config.yaml")) {
      assertThat(in).as("default-config.yaml on the class path").isNotNull();
      yaml = change.apply(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    ResolvedConfig config = ResolvedConfig.resolve(ConfigSource.parse(yaml, env::get), ComponentRegistry.load());
    service = Service.create(config, new Telemetry());
    service.start();
  }

  static int freePort() {
    return Ports.free();
  }

  /** A URL of the query port, where the UI is: {@code url("/search")}. */
  String url(String path) {
    return "http://127.0.0.1:" + queryPort + path;
  }

  /** Sends spans through the OTLP/HTTP receiver, as protobuf, and checks they were accepted. */
  void send(ExportTraceServiceRequest request) throws Exception {
    send(request, null);
  }

  /** The same for {@code tenant} (in {@code X-Scope-OrgID}), when not null. */
  void send(ExportTraceServiceRequest request, String tenant) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + otlpHttpPort + "/v1/traces"));
    if (tenant != null) {
      b.header("X-Scope-OrgID", tenant);
    }
    HttpResponse<String> r = HTTP.send(b
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("OTLP export: %s", r.body()).isEqualTo(200);
  }

  /** Waits (bounded) until the query API answers the trace, since storage writes in batches. */
  void awaitTrace(String traceId) throws Exception {
    awaitTrace(traceId, null);
  }

  /** The same for {@code tenant} (in {@code X-Scope-OrgID}), when not null. */
  void awaitTrace(String traceId, String tenant) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url("/api/v3/traces/" + traceId)));
      if (tenant != null) {
        b.header("X-Scope-OrgID", tenant);
      }
      HttpResponse<Void> r = HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("trace " + traceId + " not queryable within 30 s");
  }

  @Override
  public void close() {
    service.shutdown();
  }
}
