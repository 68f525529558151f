package dev.skein.storage.search;

import java.util.Comparator;

/**
 * The order of search results. Each is total: ties are broken by start time (newest first) and
 * then by trace ID (ascending, as unsigned bytes), so paging with a {@link Cursor} neither repeats
 * nor skips a trace.
 */
public enum Order {
  /** Latest start first. */
  NEWEST("newest"),
  /** Earliest start first. */
  OLDEST("oldest"),
  /** Longest duration first. */
  SLOWEST("slowest"),
  /** Most spans with status {@code ERROR} first. */
  MOST_ERRORS("most_errors");

  private static final Comparator<TraceSummary> BY_ID =
      Comparator.comparing(s -> s.traceId().hex());
  private static final Comparator<TraceSummary> NEWEST_FIRST =
      Comparator.comparingLong(TraceSummary::startNanos).reversed().thenComparing(BY_ID);

  private final String parameter;

  Order(String parameter) {
    this.parameter = parameter;
  }

  /** The name in query parameters: {@code newest}, {@code oldest}, {@code slowest}, {@code most_errors}. */
  public String parameter() {
    return parameter;
  }

  /**
   * Parses a query parameter value.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Order fromParameter(String value) {
    for (Order o : values()) {
      if (o.parameter.equals(value)) {
        return o;
      }
    }
    throw new IllegalArgumentException("order: \"" + value
        + "\" (expected: newest, oldest, slowest or most_errors)");
  }

  /** The order as a comparator: a summary that comes first compares smaller. */
  public Comparator<TraceSummary> comparator() {
    switch (this) {
      case NEWEST:
        return NEWEST_FIRST;
      case OLDEST:
        return Comparator.comparingLong(TraceSummary::startNanos).thenComparing(BY_ID);
      case SLOWEST:
        return Comparator.comparingLong(TraceSummary::durationNanos).reversed().thenComparing(NEWEST_FIRST);
      default:
        return Comparator.comparingInt(TraceSummary::errorCount).reversed().thenComparing(NEWEST_FIRST);
    }
  }

  /** The value this order sorts by first (start, duration or error count). */
  public long primaryKey(TraceSummary s) {
    switch (this) {
      case SLOWEST: return s.durationNanos();
      case MOST_ERRORS: return s.errorCount();
      default: return s.startNanos();
    }
  }
}
