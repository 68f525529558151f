package dev.skein.pipeline;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Hands every batch to several consumers. A consumer that throws or fails does not stop the others;
 * the returned future completes when all have finished and fails with the most severe failure
 * (permanent over retryable). Batches are immutable, so nothing is copied.
 */
final class Fanout<T> implements DataConsumer<T> {
  private final List<DataConsumer<T>> consumers;

  private Fanout(List<DataConsumer<T>> consumers) {
    this.consumers = List.copyOf(consumers);
  }

  static <T> DataConsumer<T> of(List<DataConsumer<T>> consumers) {
    return consumers.size() == 1 ? consumers.get(0) : new Fanout<>(consumers);
  }

  @Override
  public CompletableFuture<Void> consume(T data) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Void>[] futures = new CompletableFuture[consumers.size()];
    for (int i = 0; i < futures.length; i++) {
      futures[i] = safely(consumers.get(i), data);
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

  private static <T> CompletableFuture<Void> safely(DataConsumer<T> c, T data) {
    try {
      return c.consume(data);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
