package dev.skein.pipeline;

import dev.skein.model.Traces;

/**
 * Takes batches of spans. The returned future completes when every component downstream has
 * handled the batch (for a storage exporter: once it is durable), and exceptionally with a
 * {@link PipelineException} that says whether the sender may retry. Implementations are
 * thread-safe. Batches are immutable, so a consumer never needs to copy what it is given.
 */
@FunctionalInterface
public interface TracesConsumer extends DataConsumer<Traces> {}
