package dev.skein.pipeline;

import java.util.concurrent.CompletableFuture;

/**
 * Takes batches of one signal. The returned future completes when every component downstream has
 * handled the batch, and exceptionally with a {@link PipelineException} that says whether the
 * sender may retry. Implementations are thread-safe; batches are immutable.
 *
 * @param <T> the batch type, {@link dev.skein.model.Traces} or {@link dev.skein.model.Metrics}
 */
@FunctionalInterface
public interface DataConsumer<T> {
  CompletableFuture<Void> consume(T data);
}
