package dev.skein.components.exporters;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.exporters.testing.CapturingConsumer;
import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.components.otlpexporter.OtlpExporterFactory;
import dev.skein.components.otlpreceiver.OtlpReceiverFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module's components as a user configures them: found by type on the class path, bound from
 * the Collector's YAML, and run by the pipeline service.
 */
class ConfiguredPipelineTest {
  @TempDir
  Path dir;

  private final TestSpans spans = new TestSpans(17);

  @Test
  void everyTypeIsRegistered() {
    ComponentRegistry registry = ComponentRegistry.load();
    assertThat(registry.types(ComponentKind.EXPORTER)).contains("otlp", "otlphttp", "debug", "file");
    assertThat(registry.types(ComponentKind.EXTENSION)).contains("file_storage");
  }

  /**
   * An edge collector: OTLP in, then a file and an OTLP exporter with a persistent queue towards a
   * backend that is down at first. The backend gets every span once it is up, even across a restart
   * of the collector.
   */
  @Test
  void anEdgeCollectorForwardsEverySpanThroughAPersistentQueueAcrossARestart() throws Exception {
    int edgePort = Components.freePort();
    int backendPort = Components.freePort();
    Path file = dir.resolve("traces.json");
    String yaml = String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: 127.0.0.1:" + edgePort,
        "exporters:",
        "  file:",
        "    path: " + file,
        "    append: true",
        "  otlp/backend:",
        "    endpoint: 127.0.0.1:" + backendPort,
        "    tls:",
        "      insecure: true",
        "    retry_on_failure:",
        "      initial_interval: 10ms",
        "      max_interval: 100ms",
        "      max_elapsed_time: 0",
        "    sending_queue:",
        "      storage: file_storage/queue",
        "  debug:",
        "    verbosity: basic",
        "extensions:",
        "  file_storage/queue:",
        "    directory: " + dir.resolve("queue"),
        "    create_directory: true",
        "service:",
        "  extensions: [file_storage/queue]",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      exporters: [file, otlp/backend, debug]",
        "");
    Telemetry telemetry = new Telemetry();
    TracesExporter client = Components.exporter(new OtlpExporterFactory(), "otlp/client",
        "endpoint: 127.0.0.1:" + edgePort + "\ntls:\n  insecure: true\nsending_queue:\n  enabled: false\n"
            + "retry_on_failure:\n  enabled: false\n", telemetry);
    client.start(Components.host());
    List<Traces> sent = new ArrayList<>();

    Service edge = Service.create(ResolvedConfig.resolve(ConfigSource.parse(yaml, k -> null), ComponentRegistry.load()),
        telemetry);
    edge.start();
    for (int i = 0; i < 5; i++) {
      sent.add(spans.batch("svc-" + i, 2));
      client.consume(sent.get(i)).get(30, TimeUnit.SECONDS);
    }
    edge.shutdown();

    // The backend was down: everything waits on disk.
    try (var queued = Files.list(dir.resolve("queue/exporter_otlp_backend_traces"))) {
      assertThat(queued.filter(p -> !p.getFileName().toString().startsWith("."))).hasSize(5);
    }

    AtomicReference<CapturingConsumer> backendPipeline = new AtomicReference<>(new CapturingConsumer());
    Component backend = Components.receiver(new OtlpReceiverFactory(), "otlp/backend",
        "protocols:\n  grpc:\n    endpoint: 127.0.0.1:" + backendPort + "\n",
        t -> backendPipeline.get().consume(t), new Telemetry());
    backend.start(Components.host());
    Service restarted = Service.create(ResolvedConfig.resolve(ConfigSource.parse(yaml, k -> null),
        ComponentRegistry.load()), telemetry);
    restarted.start();
    try {
      sent.add(spans.batch("after-restart", 3));
      client.consume(sent.get(5)).get(30, TimeUnit.SECONDS);
      int total = sent.stream().mapToInt(Traces::spanCount).sum();

      assertThat(backendPipeline.get().awaitSpans(total, Duration.ofSeconds(60))).isEqualTo(total);
      assertThat(TestSpans.flatten(backendPipeline.get().received()))
          .containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
    } finally {
      restarted.shutdown();
      backend.shutdown();
      client.shutdown();
    }
    List<Traces> inFile = new ArrayList<>();
    for (String line : Files.readAllLines(file, UTF_8)) {
      inFile.add(Traces.of(OtlpJson.decode(line.getBytes(UTF_8), TracesData.getDefaultInstance()).getResourceSpansList()));
    }
    assertThat(TestSpans.flatten(inFile)).containsExactlyInAnyOrderElementsOf(TestSpans.flatten(sent));
  }

  @Test
  void aFullQueueMakesTheReceiverAskItsClientToRetry() throws Exception {
    int edgePort = Components.freePort();
    String yaml = String.join("\n",
        "receivers:",
        "  otlp:",
        "    protocols:",
        "      grpc:",
        "        endpoint: 127.0.0.1:" + edgePort,
        "exporters:",
        "  otlp:",
        "    endpoint: 127.0.0.1:" + Components.freePort(),
        "    tls:",
        "      insecure: true",
        "    sending_queue:",
        "      num_consumers: 1",
        "      queue_size: 1",
        "service:",
        "  pipelines:",
        "    traces:",
        "      receivers: [otlp]",
        "      exporters: [otlp]",
        "");
    Telemetry telemetry = new Telemetry();
    Service edge = Service.create(ResolvedConfig.resolve(ConfigSource.parse(yaml, k -> null), ComponentRegistry.load()),
        telemetry);
    edge.start();
    TracesExporter client = Components.exporter(new OtlpExporterFactory(), "otlp/client",
        "endpoint: 127.0.0.1:" + edgePort + "\ntls:\n  insecure: true\nsending_queue:\n  enabled: false\n"
            + "retry_on_failure:\n  enabled: false\n", new Telemetry());
    client.start(Components.host());
    try {
      List<CompletableFuture<Void>> results = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        CompletableFuture<Void> f = client.consume(spans.batch("svc", 1));
        try {
          f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          // expected once the queue is full
        }
        results.add(f);
      }
      assertThat(results).anySatisfy(f -> assertThat(f).isCompletedExceptionally());
      for (CompletableFuture<Void> f : results) {
        if (f.isCompletedExceptionally()) {
          PipelineException e = PipelineException.classify(f.handle((v, t) -> t).join());
          assertThat(e.isRetryable()).isTrue();
          assertThat(e).hasMessageContaining("UNAVAILABLE").hasMessageContaining("queue_size");
        }
      }
      assertThat(Components.metric(telemetry, "otelcol_exporter_enqueue_failed_spans", "otlp")).isPositive();
    } finally {
      client.shutdown();
      edge.shutdown();
    }
  }
}
