package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guide's collector configuration runs exactly as written, on its own ports: OTLP in on 4317
 * and 4318, and the {@code prometheus} exporter in the traces pipeline serving span-derived
 * metrics on 8889. Its {@code jaeger} exporter points at a host that does not exist here, which
 * must not stop the rest from working.
 */
class GuideConfigurationTest {
  static final Path GUIDE = Path.of("..", "examples", "guide", "otel-collector-config.yaml");

  @Test
  void theGuidesConfigurationRunsAndServesSpanMetrics() throws Exception {
    ResolvedConfig config = ResolvedConfig.resolve(ConfigSource.load(List.of(GUIDE)), ComponentRegistry.load());
    Service service = Service.create(config, new Telemetry());
    service.start();
    try {
      String body = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
          + "\"value\":{\"stringValue\":\"ml-inference-service\"}}]},\"scopeSpans\":[{\"spans\":[{"
          + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
          + "\"name\":\"POST /predict\",\"kind\":2,\"startTimeUnixNano\":\"1700000000000000000\","
          + "\"endTimeUnixNano\":\"1700000001200000000\"}]}]}]}";
      HttpResponse<String> sent = TestServer.HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:4318/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(sent.statusCode()).isEqualTo(200);

      String metrics = "";
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline && !metrics.contains("traces_span_metrics_calls_total")) {
        metrics = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8889/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Thread.sleep(200);
      }
      assertThat(metrics).contains("traces_span_metrics_calls_total{")
          .contains("service_name=\"ml-inference-service\"")
          .contains("span_name=\"POST /predict\"")
          .contains("traces_span_metrics_duration_milliseconds_bucket{");
    } finally {
      service.shutdown();
    }
  }
}
