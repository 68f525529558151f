package dev.skein.pipeline;

import dev.skein.model.Metrics;

/** Takes batches of metrics; the same contract as {@link TracesConsumer}. */
@FunctionalInterface
public interface MetricsConsumer extends DataConsumer<Metrics> {}
