package dev.skein.exporterhelper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.components.filestorage.FileStorageFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent queue across restarts. Each "process" is a fresh file_storage extension and
 * exporter over the same directory, as after a restart of Skein.
 */
class PersistentQueueTest {
  private static final String ID = "otlp";
  private static final ComponentId STORAGE = ComponentId.parse("file_storage/queue");

  @TempDir
  Path dir;

  private final Telemetry telemetry = new Telemetry();
  private final TestSpans spans = new TestSpans(11);

  /** One run of Skein: the extension, and an exporter whose queue it persists. */
  private final class Process implements AutoCloseable {
    final Component storage;
    final TracesExporter exporter;
    final ManualScheduler scheduler = new ManualScheduler();

    Process(ScriptedSender sender, int queueSize) throws Exception {
      storage = Components.extension(new FileStorageFactory(), STORAGE.toString(),
          "directory: " + dir + "\n", telemetry);
      QueueConfig queue = new QueueConfig();
      queue.storage = STORAGE.toString();
      queue.numConsumers = 2;
      queue.queueSize = queueSize;
      exporter = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), queue,
          new RetryConfig(), sender, scheduler, () -> 0.5, Duration.ofMillis(200));
      Host host = Components.host(Map.of(STORAGE, storage));
      storage.start(host);
      exporter.start(host);
    }

    @Override
    public void close() {
      exporter.shutdown();
      storage.shutdown();
    }
  }

  private List<Path> storedBatches() throws Exception {
    Path queueDir = dir.resolve("exporter_otlp__traces");
    try (Stream<Path> files = Files.list(queueDir)) {
      return files.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  @Test
  void batchesQueuedWhileTheDestinationIsDownAreSentAfterARestartExactlyOnce() throws Exception {
    List<Traces> batches = new ArrayList<>();
    ScriptedSender down = new ScriptedSender().otherwise(ScriptedSender.unavailable());
    try (Process first = new Process(down, 100)) {
      for (int i = 0; i < 7; i++) {
        Traces batch = spans.batch("svc-" + i, 1 + i);
        batches.add(batch);
        assertThat(first.exporter.consume(batch)).isCompleted();
      }
      // Every batch is on disk once consume() has completed, whatever happens next.
      assertThat(storedBatches()).hasSize(7);
    }
    assertThat(down.delivered()).isEmpty();
    assertThat(storedBatches()).hasSize(7);

    ScriptedSender up = new ScriptedSender();
    try (Process second = new Process(up, 100)) {
      assertThat(up.delivered()).containsExactlyInAnyOrderElementsOf(batches);
      assertThat(storedBatches()).isEmpty();
      Traces later = spans.batch("later", 2);
      second.exporter.consume(later);
      assertThat(up.delivered()).hasSize(8).last().isEqualTo(later);
    }
    assertThat(Components.metric(telemetry, "otelcol_exporter_sent_spans", ID)).isEqualTo(28 + 2);
  }

  @Test
  void storedBatchesAreSentOldestFirstBeforeNewOnes() throws Exception {
    List<Traces> batches = new ArrayList<>();
    try (Process first = new Process(new ScriptedSender().otherwise(ScriptedSender.unavailable()), 100)) {
      for (int i = 0; i < 5; i++) {
        batches.add(spans.batch("svc-" + i, 1));
        first.exporter.consume(batches.get(i));
      }
    }
    // One consumer at a time shows the order.
    ScriptedSender up = new ScriptedSender().otherwise(ScriptedSender.HOLD);
    Component storage = Components.extension(new FileStorageFactory(), STORAGE.toString(), "directory: " + dir, telemetry);
    QueueConfig queue = new QueueConfig();
    queue.storage = STORAGE.toString();
    queue.numConsumers = 1;
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), queue,
        new RetryConfig(), up, new ManualScheduler(), () -> 0.5, Duration.ofSeconds(5));
    Host host = Components.host(Map.of(STORAGE, storage));
    storage.start(host);
    e.start(host);
    Traces fresh = spans.batch("fresh", 1);
    e.consume(fresh);
    for (int i = 0; i < 6; i++) {
      up.nextHeld().complete(0L);
    }
    List<Traces> expected = new ArrayList<>(batches);
    expected.add(fresh);
    assertThat(up.delivered()).containsExactlyElementsOf(expected);
    e.shutdown();
    storage.shutdown();
  }

  @Test
  void aBatchDroppedAsPermanentLeavesTheDisk() throws Exception {
    ScriptedSender sender = new ScriptedSender().then(PipelineException.permanent("INVALID_ARGUMENT", null))
        .otherwise(ScriptedSender.unavailable());
    try (Process p = new Process(sender, 100)) {
      p.exporter.consume(spans.batch("bad", 1));
      p.exporter.consume(spans.batch("retried", 1));
      assertThat(storedBatches()).hasSize(1);
    }
    assertThat(storedBatches()).hasSize(1);
  }

  @Test
  void batchesLoadedAtStartCountTowardsTheQueueSize() throws Exception {
    try (Process first = new Process(new ScriptedSender().otherwise(ScriptedSender.unavailable()), 100)) {
      for (int i = 0; i < 3; i++) {
        first.exporter.consume(spans.batch("svc", 1));
      }
    }
    ScriptedSender held = new ScriptedSender().otherwise(ScriptedSender.HOLD);
    try (Process second = new Process(held, 3)) {
      // Two are being sent, one waits; the queue holds at most 3.
      assertThat(second.exporter.consume(spans.batch("a", 1))).isCompleted();
      assertThat(second.exporter.consume(spans.batch("b", 1))).isCompleted();
      assertThat(second.exporter.consume(spans.batch("c", 1))).isCompletedExceptionally();
    }
  }

  @Test
  void aMissingStorageExtensionFailsTheStartNamingIt() throws Exception {
    QueueConfig queue = new QueueConfig();
    queue.storage = "file_storage/missing";
    ScriptedSender sender = new ScriptedSender();
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), queue,
        new RetryConfig(), sender, new ManualScheduler(), () -> 0.5, Duration.ofSeconds(5));

    assertThatThrownBy(() -> e.start(Components.host())).hasMessageContaining("file_storage/missing");
    assertThat(sender.shutDown()).isTrue();
  }
}
