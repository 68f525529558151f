package dev.skein.exporterhelper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.components.filestorage.FileStorageFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that queued batches on disk is killed without any chance to shut down; the next one
 * sends every batch it had acknowledged.
 */
class PersistentQueueCrashIT {
  private static final int BATCHES = 25;
  private static final long SEED = 77;

  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedBatchSurvivesAKill() throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), PersistentQueueChild.class.getName(),
        dir.toString(), Integer.toString(BATCHES), Long.toString(SEED))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("READY"));
      assertThat(line).as("the child queued its batches").isEqualTo("READY");
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    Telemetry telemetry = new Telemetry();
    Component storage = Components.extension(new FileStorageFactory(), "file_storage",
        "directory: " + dir + "\n", telemetry);
    QueueConfig queue = new QueueConfig();
    queue.storage = "file_storage";
    ScriptedSender up = new ScriptedSender();
    TracesExporter exporter = ExporterHelper.create(new CreateSettings(ComponentId.parse("otlp"), telemetry), queue,
        new RetryConfig(), up);
    Host host = Components.host(Map.of(ComponentId.of("file_storage"), storage));
    storage.start(host);
    exporter.start(host);
    try {
      TestSpans spans = new TestSpans(SEED);
      List<Traces> expected = new ArrayList<>();
      for (int i = 0; i < BATCHES; i++) {
        expected.add(spans.batch("svc-" + i, 1 + i % 4));
      }
      assertThat(Components.eventually(() -> up.delivered().size() >= BATCHES, Duration.ofSeconds(60))).isTrue();
      assertThat(up.delivered()).containsExactlyInAnyOrderElementsOf(expected);
    } finally {
      exporter.shutdown();
      storage.shutdown();
    }
  }
}
