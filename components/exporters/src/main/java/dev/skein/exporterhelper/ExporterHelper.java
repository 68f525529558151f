package dev.skein.exporterhelper;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.TracesExporter;

/**
 * Builds network exporters the way the Collector's exporterhelper does: a {@link TracesSender}
 * wrapped in {@code retry_on_failure} (exponential backoff on retryable errors) and
 * {@code sending_queue} (in memory, or on disk through a {@code file_storage} extension).
 */
public final class ExporterHelper {
  private ExporterHelper() {}

  /**
   * Returns an exporter that sends through {@code sender}.
   *
   * @param settings the exporter's ID and telemetry (queue size and sent/failed counters are
   *     reported as {@code otelcol_exporter_*})
   */
  public static TracesExporter create(CreateSettings settings, QueueConfig queue, RetryConfig retry,
      TracesSender sender) {
    throw new UnsupportedOperationException("exporter helper");
  }
}
