package dev.skein.storage.analytics;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * How long the spans of one operation usually take: the distribution of their durations over a
 * window.
 *
 * @param count the number of spans in the window
 * @param percentiles 101 durations in nanoseconds: {@code percentiles[k]} is the k-th percentile
 *     (nearest rank), so {@code [0]} is the shortest, {@code [50]} the median and {@code [100]}
 *     the longest
 */
public record Baseline(OperationKey operation, long count, long[] percentiles) {
  public Baseline {
    requireNonNull(operation, "operation");
    if (percentiles.length != 101) {
      throw new IllegalArgumentException("percentiles: " + percentiles.length + " values (expected: 101)");
    }
    percentiles = percentiles.clone();
  }

  public long p50Nanos() {
    return percentiles[50];
  }

  public long p99Nanos() {
    return percentiles[99];
  }

  /**
   * The percentile that {@code durationNanos} reaches in this baseline, from 0 to 100: the
   * largest {@code k} with {@code percentiles[k] <= durationNanos}, or 0 when it is shorter than
   * every span of the window. A span at rank 99 was slower than about 99% of the window's spans.
   */
  public int percentileRank(long durationNanos) {
    int k = 0;
    while (k < 100 && percentiles[k + 1] <= durationNanos) {
      k++;
    }
    return k;
  }

  @Override
  public long[] percentiles() {
    return percentiles.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Baseline b && b.operation.equals(operation) && b.count == count
        && Arrays.equals(b.percentiles, percentiles);
  }

  @Override
  public int hashCode() {
    return (operation.hashCode() * 31 + Long.hashCode(count)) * 31 + Arrays.hashCode(percentiles);
  }

  @Override
  public String toString() {
    return "Baseline[" + operation + ", count=" + count + ", p50=" + p50Nanos() + ", p99=" + p99Nanos() + "]";
  }
}
