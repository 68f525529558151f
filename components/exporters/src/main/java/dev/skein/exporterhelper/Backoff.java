package dev.skein.exporterhelper;

import java.util.function.DoubleSupplier;

/**
 * The Collector's exponential backoff (that of {@code cenkalti/backoff}): each delay is the
 * current interval randomized by ± {@code randomization_factor}; the interval then grows by
 * {@code multiplier} up to {@code max_interval}. Retrying stops when the next attempt would start
 * after {@code max_elapsed_time} (0: never stops). Not thread-safe: one per batch.
 */
final class Backoff {
  private final RetryConfig config;
  private final DoubleSupplier random;
  private final long startNanos;
  private double currentNanos;

  Backoff(RetryConfig config, DoubleSupplier random, long startNanos) {
    this.config = config;
    this.random = random;
    this.startNanos = startNanos;
    this.currentNanos = config.initialInterval().toNanos();
  }

  /** Returns the delay before the next attempt, or -1 when there is to be none. */
  long next(long nowNanos) {
    double delta = config.randomizationFactor() * currentNanos;
    double min = currentNanos - delta;
    double max = currentNanos + delta;
    long next = (long) (min + random.getAsDouble() * (max - min + 1));
    double maxInterval = config.maxInterval().toNanos();
    currentNanos = currentNanos >= maxInterval / config.multiplier() ? maxInterval : currentNanos * config.multiplier();
    long maxElapsed = config.maxElapsedTime().toNanos();
    if (maxElapsed != 0 && nowNanos - startNanos + next > maxElapsed) {
      return -1;
    }
    return next;
  }
}
