package dev.skein.exporterhelper;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.TracesExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Builds network exporters the way the Collector's exporterhelper does: a {@link TracesSender}
 * wrapped in {@code retry_on_failure} (exponential backoff on retryable errors) and
 * {@code sending_queue} (in memory, or on disk through a {@code file_storage} extension).
 *
 * <p>The exporter it returns behaves as follows.
 * <ul>
 *   <li><b>Queue enabled</b> (the default): {@code consume} completes once the batch is in the
 *       queue, and for a persistent queue once it is written and synced to disk. When the queue
 *       holds {@code queue_size} batches, {@code consume} fails with
 *       {@link dev.skein.pipeline.PipelineException.Kind#OVER_CAPACITY}, so that the receiver tells
 *       its client to retry. {@code num_consumers} batches are sent at a time.
 *   <li><b>Queue disabled</b>: {@code consume} completes when the batch was sent, retries included,
 *       and fails with the last error when it could not be.
 *   <li><b>Retries</b>: failures of kind {@code RETRYABLE} and {@code OVER_CAPACITY} are retried
 *       after an exponential backoff, or after the destination's own delay when that is longer,
 *       until {@code max_elapsed_time}. A {@code PERMANENT} failure is not retried. A batch that
 *       cannot be sent is dropped with an error log and counted in
 *       {@code otelcol_exporter_send_failed_spans}.
 *   <li><b>Persistent queue</b> ({@code sending_queue::storage} names a {@code file_storage}
 *       extension): batches survive a restart, and {@code start} queues those found on disk before
 *       anything new. A batch leaves the disk once it was sent or dropped, so delivery is at least
 *       once: a crash between a send and the deletion sends that batch again.
 *   <li><b>Shutdown</b> stops accepting batches. An in-memory queue is drained for up to ten
 *       seconds: queued batches are sent, a batch waiting for a retry is tried once more at once,
 *       and a failure is no longer retried; what is left is dropped and counted as failed. A
 *       persistent queue is not drained: batches in flight finish their current attempt, and
 *       everything not sent stays on disk for the next start.
 * </ul>
 *
 * <p>Metrics, each labelled {@code exporter="<id>"}: {@code otelcol_exporter_sent_spans},
 * {@code otelcol_exporter_send_failed_spans}, {@code otelcol_exporter_enqueue_failed_spans}, and
 * the gauges {@code otelcol_exporter_queue_size} and {@code otelcol_exporter_queue_capacity} (in
 * batches).
 */
public final class ExporterHelper {
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private ExporterHelper() {}

  /**
   * Returns an exporter that sends through {@code sender}. The exporter starts and stops the sender.
   *
   * @param settings the exporter's ID and telemetry (queue size and sent/failed counters are
   *     reported as {@code otelcol_exporter_*})
   * @throws IllegalArgumentException if {@code queue} or {@code retry} is not valid
   */
  public static TracesExporter create(CreateSettings settings, QueueConfig queue, RetryConfig retry,
      TracesSender sender) {
    requireNonNull(settings, "settings");
    return create(settings, queue, retry, sender, Scheduler.system("exporter-" + settings.id()),
        () -> ThreadLocalRandom.current().nextDouble(), DRAIN_TIMEOUT);
  }

  static TracesExporter create(CreateSettings settings, QueueConfig queue, RetryConfig retry,
      TracesSender sender, Scheduler scheduler, DoubleSupplier random, Duration drainTimeout) {
    requireNonNull(settings, "settings");
    requireNonNull(queue, "queue");
    requireNonNull(retry, "retry");
    requireNonNull(sender, "sender");
    List<String> errors = new ArrayList<>(queue.validate("sending_queue"));
    errors.addAll(retry.validate("retry_on_failure"));
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new HelperExporter(settings, queue, retry, sender, scheduler, random, drainTimeout);
  }
}
