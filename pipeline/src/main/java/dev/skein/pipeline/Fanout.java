package dev.skein.pipeline;

import dev.skein.model.Traces;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Hands every batch to several consumers. A consumer that throws or fails does not stop the others;
 * the returned future completes when all have finished and fails with the first failure (the most
 * severe kind wins: permanent over retryable). Batches are immutable, so nothing is copied.
 */
final class Fanout implements TracesConsumer {
  private final List<TracesConsumer> consumers;

  private Fanout(List<TracesConsumer> consumers) {
    this.consumers = List.copyOf(consumers);
  }

  static TracesConsumer of(List<TracesConsumer> consumers) {
    return consumers.size() == 1 ? consumers.get(0) : new Fanout(consumers);
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Void>[] futures = new CompletableFuture[consumers.size()];
    for (int i = 0; i < futures.length; i++) {
      futures[i] = safely(consumers.get(i), traces);
    }
    return CompletableFuture.allOf(futures).handle((v, t) -> {
      if (t == null) {
        return null;
      }
      PipelineException worst = null;
      for (CompletableFuture<Void> f : futures) {
        if (f.isCompletedExceptionally()) {
          PipelineException e = PipelineException.classify(f.handle((x, err) -> err).join());
          if (worst == null || (!e.isRetryable() && worst.isRetryable())) {
            worst = e;
          }
        }
      }
      throw worst;
    });
  }

  private static CompletableFuture<Void> safely(TracesConsumer c, Traces traces) {
    try {
      return c.consume(traces);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
