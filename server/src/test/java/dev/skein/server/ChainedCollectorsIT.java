package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Skein processes chained by the {@code otlp} exporter with a persistent sending queue: the
 * downstream one is stopped for 30 s while spans keep arriving upstream, then restarted; every
 * span reaches it.
 */
class ChainedCollectorsIT {
  @TempDir
  Path dir;

  @Test
  void aPersistentQueueCarriesSpansOverADownstreamOutage() throws Exception {
    Path downstreamData = dir.resolve("downstream");
    SkeinProcess downstream = SkeinProcess.start(downstreamData, "chained-downstream.log");
    int downstreamGrpc = downstream.grpcPort;
    Path queueDir = Files.createDirectories(dir.resolve("queue"));
    Path upstreamConfig = Files.writeString(dir.resolve("upstream.yaml"), String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: ${env:SKEIN_OTLP_GRPC_ENDPOINT}",
        "processors:",
        "  batch:",
        "    timeout: 100ms",
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + downstreamGrpc,
        "    tls:",
        "      insecure: true",
        "    sending_queue:",
        "      storage: file_storage",
        "    retry_on_failure:",
        "      initial_interval: 200ms",
        "      max_interval: 2s",
        "      max_elapsed_time: 0s",
        "extensions:",
        "  file_storage:",
        "    directory: " + queueDir,
        "  health_check:",
        "    endpoint: ${env:SKEIN_HEALTH_ENDPOINT}",
        "service:",
        "  telemetry:",
        "    metrics:",
        "      address: ${env:SKEIN_TELEMETRY_ENDPOINT}",
        "  extensions: [file_storage, health_check]",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      processors: [batch]",
        "      exporters: [otlp]",
        ""));
    SkeinProcess upstream = SkeinProcess.start(dir.resolve("upstream-data"), "chained-upstream.log",
        List.of("run", "--config", upstreamConfig.toString()));

    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "chained")))
        .addSpanProcessor(SimpleSpanProcessor.create(memory)).build();
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + upstream.grpcPort).build();
    Map<String, Integer> expected = new HashMap<>();
    try {
      sendTraces(provider, memory, exporter, 20, expected);
      assertThat(downstream.stop()).isIn(0, 143);
      long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < outageEnds) {
        sendTraces(provider, memory, exporter, 5, expected);
        Thread.sleep(1000);
      }
      downstream = SkeinProcess.start(downstreamData, "chained-downstream.log", List.of("run"), downstreamGrpc);
      sendTraces(provider, memory, exporter, 20, expected);

      int spans = expected.values().stream().mapToInt(Integer::intValue).sum();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      Map<String, Integer> stored = Map.of();
      while (System.nanoTime() < deadline) {
        Map<String, Integer> now = storedSpanCounts(downstream, expected.keySet());
        stored = now;
        if (expected.entrySet().stream().allMatch(e -> stored(e.getKey(), now) >= e.getValue())) {
          break;
        }
        Thread.sleep(500);
      }
      Map<String, Integer> finalStored = stored;
      assertThat(expected).allSatisfy((trace, count) ->
          assertThat(stored(trace, finalStored)).as("spans of trace %s downstream", trace).isGreaterThanOrEqualTo(count));
      int duplicates = finalStored.values().stream().mapToInt(Integer::intValue).sum() - spans;
      // At-least-once: a batch in flight when the downstream stopped may arrive twice, never more
      // than the batches sent during the outage.
      assertThat(duplicates).isLessThanOrEqualTo(spans / 2);
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
      upstream.kill();
      downstream.kill();
    }
  }

  private static int stored(String trace, Map<String, Integer> stored) {
    return stored.getOrDefault(trace, 0);
  }

  private static void sendTraces(SdkTracerProvider provider, InMemorySpanExporter memory,
      OtlpGrpcSpanExporter exporter, int traces, Map<String, Integer> expected) {
    memory.reset();
    Tracer tracer = provider.get("chained");
    for (int i = 0; i < traces; i++) {
      Span root = tracer.spanBuilder("request").startSpan();
      tracer.spanBuilder("child").setParent(Context.root().with(root)).startSpan().end();
      root.end();
    }
    List<SpanData> batch = memory.getFinishedSpanItems();
    assertThat(exporter.export(batch).join(30, TimeUnit.SECONDS).isSuccess())
        .as("the upstream Skein acknowledged the batch").isTrue();
    batch.forEach(s -> expected.merge(s.getTraceId(), 1, Integer::sum));
  }

  private static Map<String, Integer> storedSpanCounts(SkeinProcess p, java.util.Set<String> traces) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    for (String trace : traces) {
      HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + p.queryPort + "/api/traces/" + trace)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonNode spans = TestServer.JSON.readTree(r.body()).at("/data/0/spans");
        out.put(trace, spans.size());
      }
    }
    return out;
  }
}
