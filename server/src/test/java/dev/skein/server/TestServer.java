package dev.skein.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.server.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/**
 * Skein's all-in-one service started in this JVM from the default configuration, with free ports
 * and its data in a given directory, exactly as {@code ./skein run} starts it.
 */
final class TestServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final int grpcPort = freePort();
  final int httpPort = freePort();
  final int queryPort = freePort();
  final int healthPort = freePort();
  final int zipkinPort = freePort();
  final int jaegerPort = freePort();
  final int spanMetricsPort = freePort();
  final Telemetry telemetry = new Telemetry();
  final Service service;

  TestServer(Path data) throws Exception {
    this(data, Map.of());
  }

  /** Starts with the default configuration; {@code extraEnv} adds environment variables it reads. */
  TestServer(Path data, Map<String, String> extraEnv) throws Exception {
    this(data, extraEnv, java.util.function.UnaryOperator.identity());
  }

  /** Starts with the default configuration as {@code edit} changes its text. */
  TestServer(Path data, Map<String, String> extraEnv, java.util.function.UnaryOperator<String> edit) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    env.put("SKEIN_DATA", data.toString());
    env.put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + grpcPort);
    env.put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + httpPort);
    env.put("SKEIN_QUERY_ENDPOINT", "127.0.0.1:" + queryPort);
    env.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + healthPort);
    env.put("SKEIN_ZIPKIN_ENDPOINT", "127.0.0.1:" + zipkinPort);
    env.put("SKEIN_JAEGER_GRPC_ENDPOINT", "127.0.0.1:" + jaegerPort);
    env.put("SKEIN_SPANMETRICS_ENDPOINT", "127.0.0.1:" + spanMetricsPort);
    ResolvedConfig config = ResolvedConfig.resolve(
        ConfigSource.parse(edit.apply(Main.defaultConfigText()), env::get), ComponentRegistry.load());
    service = Service.create(config, telemetry);
    service.start();
  }

  static int freePort() {
    return Ports.free();
  }

  String otlpHttpUrl() {
    return "http://127.0.0.1:" + httpPort + "/v1/traces";
  }

  String queryUrl(String path) {
    return "http://127.0.0.1:" + queryPort + path;
  }

  /** GETs a query path and returns the status and the parsed JSON body. */
  Reply get(String path) throws Exception {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(queryUrl(path))).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    String type = r.headers().firstValue("content-type").orElse("");
    if (!type.startsWith("application/json")) {
      throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + type + ": "
          + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return new Reply(r.statusCode(), JSON.readTree(r.body()), type);
  }

  record Reply(int status, JsonNode json, String contentType) {}

  @Override
  public void close() {
    service.shutdown();
  }
}
