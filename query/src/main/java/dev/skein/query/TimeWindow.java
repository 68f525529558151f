package dev.skein.query;

import dev.skein.model.Nullable;
import java.time.Duration;
import java.time.Instant;

/** A request's time range in epoch nanoseconds, checked against the limits. */
record TimeWindow(long startNanos, long endNanos) {
  /**
   * The range [{@code start}, {@code end}]: a missing end is now, a missing start is the end minus
   * the longest range allowed.
   *
   * @throws QueryException if the end precedes the start or the range is longer than allowed
   */
  static TimeWindow of(@Nullable Long start, @Nullable Long end, String startName, String endName,
      QueryLimits limits, String unit) throws QueryException {
    long max = limits.maxTimeRange().toNanos();
    long e = end != null ? end : System.currentTimeMillis() * 1_000_000L;
    long s = start != null ? start : Math.max(0, e - max);
    if (e < s) {
      throw QueryException.badRequest("parameter " + endName + ": " + format(e, unit) + " (expected: at or after "
          + startName + ", " + format(s, unit) + ")");
    }
    if (e - s > max) {
      throw QueryException.badRequest("parameters " + startName + " and " + endName + ": a range of "
          + human(Duration.ofNanos(e - s)) + " (expected: at most " + human(limits.maxTimeRange())
          + ", the configured maximum time range)");
    }
    return new TimeWindow(s, e);
  }

  private static String format(long nanos, String unit) {
    switch (unit) {
      case "us": return Long.toString(nanos / 1_000);
      case "ms": return Long.toString(nanos / 1_000_000);
      case "s": return Long.toString(nanos / 1_000_000_000);
      default: return Instant.ofEpochSecond(0, nanos).toString();
    }
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s % 86_400 == 0 && s > 0) {
      return (s / 86_400) + "d";
    }
    if (s % 3_600 == 0 && s > 0) {
      return (s / 3_600) + "h";
    }
    if (s % 60 == 0 && s > 0) {
      return (s / 60) + "m";
    }
    return d.toMillis() + "ms";
  }
}
