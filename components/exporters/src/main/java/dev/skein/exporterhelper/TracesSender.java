package dev.skein.exporterhelper;

import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one batch to a destination, once, without retrying. The exporter helper adds the queue
 * and the retries around it. The future fails with a {@link dev.skein.pipeline.PipelineException}
 * whose kind says whether the batch may be sent again (OTLP's retryable codes) or not.
 *
 * <p>A failure's {@link dev.skein.pipeline.PipelineException#retryAfter() retryAfter} greater than
 * zero is taken as the delay the destination asked for (gRPC {@code RetryInfo}, HTTP
 * {@code Retry-After}): the next attempt waits at least that long. A sender whose destination asked
 * for nothing reports {@link java.time.Duration#ZERO}, through the
 * {@link dev.skein.pipeline.PipelineException} constructor, because the static factories
 * {@code retryable} and {@code overCapacity} set one second.
 *
 * <p>The helper may call {@link #send} from several threads at once (up to
 * {@code sending_queue::num_consumers}), so implementations are thread-safe. {@code send} should
 * not block: it runs on a thread of the helper's own pool.
 */
public interface TracesSender {
  CompletableFuture<Void> send(Traces traces);

  /**
   * Sends like {@link #send}, and completes with how many spans of the batch the destination
   * rejected while accepting the request (OTLP {@code partial_success}). Those spans are not sent
   * again; the helper counts them in {@code otelcol_exporter_send_failed_spans} instead of
   * {@code otelcol_exporter_sent_spans}. The helper calls only this method; the default calls
   * {@link #send} and reports none rejected.
   */
  default CompletableFuture<Long> sendReportingRejected(Traces traces) {
    return send(traces).thenApply(v -> 0L);
  }

  /** Opens connections; called once before the first {@link #send}. */
  default void start(Host host) throws Exception {}

  /** Closes connections; called after the queue has drained. */
  default void shutdown() {}
}
