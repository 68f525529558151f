package dev.skein.components.metrics.internal;

/** Explicit-bucket arithmetic shared by the connectors. */
public final class Buckets {
  private Buckets() {}

  /**
   * Returns the index of the bucket that holds {@code value}: the first bound that is at least
   * {@code value}, or {@code bounds.length} for the overflow bucket. Bucket {@code i} covers
   * {@code (bounds[i-1], bounds[i]]}, as OTLP and Prometheus define it.
   */
  public static int index(double[] bounds, double value) {
    int lo = 0;
    int hi = bounds.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (bounds[mid] < value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
