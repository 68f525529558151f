package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@code skein.jar} as a separate process, streams spans into it with the OpenTelemetry
 * Java SDK's OTLP/gRPC exporter, kills it with SIGKILL at a random moment, restarts it on the same
 * data, and checks that every span the exporter saw acknowledged is stored.
 */
class CrashRecoveryIT {
  static final int ROUNDS = 3;

  @TempDir
  Path data;

  @Test
  void acknowledgedSpansSurviveKillDashNine() throws Exception {
    Random random = new Random(42);
    Map<String, Set<String>> acked = new ConcurrentHashMap<>();
    int batches = 0;
    for (int round = 0; round < ROUNDS; round++) {
      SkeinProcess p = SkeinProcess.start(data, "crash-recovery-it.log");
      OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + p.grpcPort).setTimeout(Duration.ofSeconds(5)).build();
      AtomicBoolean stop = new AtomicBoolean();
      int[] sent = {0};
      Thread sender = new Thread(() -> {
        while (!stop.get()) {
          List<SpanData> batch = makeBatch(20);
          CompletableResultCode r = exporter.export(batch).join(10, TimeUnit.SECONDS);
          if (!r.isSuccess()) {
            return;
          }
          sent[0]++;
          for (SpanData s : batch) {
            acked.computeIfAbsent(s.getTraceId(), k -> ConcurrentHashMap.newKeySet()).add(s.getSpanId());
          }
        }
      });
      sender.start();
      // Let some batches through first so that every round kills the server mid-stream.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sent[0] < 3 && sender.isAlive() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      Thread.sleep(random.nextInt(400));
      p.kill();
      stop.set(true);
      sender.join(TimeUnit.SECONDS.toMillis(30));
      exporter.shutdown().join(5, TimeUnit.SECONDS);
      batches += sent[0];
    }
    assertThat(batches).isGreaterThanOrEqualTo(3 * ROUNDS);

    SkeinProcess p = SkeinProcess.start(data, "crash-recovery-it.log");
    try {
      int spans = 0;
      for (Map.Entry<String, Set<String>> e : acked.entrySet()) {
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + p.queryPort + "/api/traces/" + e.getKey())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("trace %s", e.getKey()).isEqualTo(200);
        for (String spanId : e.getValue()) {
          assertThat(r.body()).as("span %s of trace %s", spanId, e.getKey()).contains("\"" + spanId + "\"");
          spans++;
        }
      }
      assertThat(spans).isEqualTo(acked.values().stream().mapToInt(Set::size).sum());
    } finally {
      p.kill();
    }
  }

  private static final InMemorySpanExporter MEMORY = InMemorySpanExporter.create();
  private static final SdkTracerProvider PROVIDER = SdkTracerProvider.builder()
      .setResource(Resource.create(Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"),
          "crash-test")))
      .addSpanProcessor(SimpleSpanProcessor.create(MEMORY)).build();


  private static synchronized List<SpanData> makeBatch(int traces) {
    MEMORY.reset();
    Tracer tracer = PROVIDER.get("crash-test");
    for (int i = 0; i < traces; i++) {
      Span root = tracer.spanBuilder("request").startSpan();
      tracer.spanBuilder("child").setParent(io.opentelemetry.context.Context.root().with(root)).startSpan().end();
      root.end();
    }
    return MEMORY.getFinishedSpanItems();
  }

}
