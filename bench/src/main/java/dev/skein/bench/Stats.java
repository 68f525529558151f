package dev.skein.bench;

import java.util.Arrays;

/** Order statistics for latencies and per-round ratios. */
final class Stats {
  private Stats() {}

  /**
   * The nearest-rank percentile of {@code sorted} (ascending): the smallest value such that at
   * least {@code p} percent of the values are at or below it. {@code p} is in (0, 100].
   */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("sorted: empty (expected: at least one value)");
    }
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("p: " + p + " (expected: > 0 and <= 100)");
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** The median of {@code values}: the mean of the two middle values when there is an even count. */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("values: empty (expected: at least one value)");
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  static double max(double[] values) {
    return Arrays.stream(values).max().orElseThrow();
  }

  /**
   * The spread of {@code values} around their median, as a fraction of it: (max - min) / median.
   * Zero when every value is the same.
   */
  static double relativeSpread(double[] values) {
    double m = median(values);
    return m == 0 ? 0 : (max(values) - min(values)) / m;
  }

  /** Nanoseconds as milliseconds. */
  static double millis(long nanos) {
    return nanos / 1e6;
  }
}
