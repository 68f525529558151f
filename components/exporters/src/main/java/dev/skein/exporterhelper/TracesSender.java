package dev.skein.exporterhelper;

import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one batch to a destination, once, without retrying. The exporter helper adds the queue
 * and the retries around it. The future fails with a {@link dev.skein.pipeline.PipelineException}
 * whose kind says whether the batch may be sent again (OTLP's retryable codes) or not.
 */
public interface TracesSender {
  CompletableFuture<Void> send(Traces traces);

  /** Opens connections; called once before the first {@link #send}. */
  default void start(Host host) throws Exception {}

  /** Closes connections; called after the queue has drained. */
  default void shutdown() {}
}
