package dev.skein.storage.analytics;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;

/**
 * The spans of one group in one time bucket of a {@link RedQuery}. Buckets without spans are not
 * returned.
 *
 * @param operation the span name, or null when the query did not group by operation
 * @param bucketStartNanos the start of the bucket, in epoch nanoseconds
 * @param calls the number of spans
 * @param errors how many of them have status code ERROR
 * @param p50Nanos the median duration (nearest rank, so always a duration that occurred)
 * @param p95Nanos the 95th percentile duration, nearest rank
 * @param p99Nanos the 99th percentile duration, nearest rank
 * @param maxNanos the longest duration
 * @param sumNanos the sum of the durations
 */
public record RedPoint(String service, @Nullable String operation, long bucketStartNanos, long calls,
    long errors, long p50Nanos, long p95Nanos, long p99Nanos, long maxNanos, long sumNanos) {
  public RedPoint {
    requireNonNull(service, "service");
  }
}
