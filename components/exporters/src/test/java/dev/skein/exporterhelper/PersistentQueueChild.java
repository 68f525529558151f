package dev.skein.exporterhelper;

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
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process that {@link PersistentQueueCrashIT} kills: it queues batches for a destination that
 * is down, says so on standard output, and waits to be killed.
 */
final class PersistentQueueChild {
  private PersistentQueueChild() {}

  /** Arguments: the storage directory, the number of batches, the seed of their spans. */
  public static void main(String[] args) throws Exception {
    Telemetry telemetry = new Telemetry();
    Component storage = Components.extension(new FileStorageFactory(), "file_storage",
        "directory: " + args[0] + "\n", telemetry);
    QueueConfig queue = new QueueConfig();
    queue.storage = "file_storage";
    TracesSender down = traces -> CompletableFuture.failedFuture(new PipelineException(
        PipelineException.Kind.RETRYABLE, "UNAVAILABLE", Duration.ZERO, null));
    TracesExporter exporter = ExporterHelper.create(new CreateSettings(ComponentId.parse("otlp"), telemetry), queue,
        new RetryConfig(), down);
    Host host = Components.host(Map.of(ComponentId.of("file_storage"), storage));
    storage.start(host);
    exporter.start(host);
    TestSpans spans = new TestSpans(Long.parseLong(args[2]));
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      Traces batch = spans.batch("svc-" + i, 1 + i % 4);
      exporter.consume(batch).get(30, TimeUnit.SECONDS);
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
