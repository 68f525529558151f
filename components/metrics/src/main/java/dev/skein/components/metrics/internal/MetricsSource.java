package dev.skein.components.metrics.internal;

import dev.skein.model.Metrics;
import dev.skein.pipeline.TracesConsumer;

/**
 * Span-derived metrics that are read on demand, at scrape time, instead of being pushed on a
 * timer. {@link #collect} is thread-safe and returns cumulative data points.
 */
public interface MetricsSource extends TracesConsumer {
  /** Returns the current state of every series. */
  Metrics collect();
}
