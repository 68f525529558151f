package dev.skein.query;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The caps every query API enforces. Immutable; made by a {@link Builder} that checks each value
 * as it is set. {@link #defaults()} suits a single all-in-one server.
 *
 * <ul>
 *   <li>{@link #maxTracesPerSearch()}: a search's {@code limit} above it is lowered to it.
 *   <li>{@link #maxTimeRange()}: a search or dependency request spanning more is refused with
 *       400; a request without a start begins this long before its end.
 *   <li>{@link #maxSpansPerTrace()}: a trace with more spans is returned with its earliest ones
 *       only, and a warning saying how many it has.
 *   <li>{@link #regexBudget()}: the time the regular expressions of one request may take; beyond
 *       it the request fails with 400.
 *   <li>{@link #maxInspectedTraces()}: a TraceQL query the store cannot answer alone (structural
 *       operators, aggregates) is evaluated on at most this many candidate traces per page; the
 *       page then ends early, with a warning and a cursor to continue.
 *   <li>{@link #storageMaxSpansPerTrace()}: the storage backend's own per-trace cap (its
 *       {@code limits::max_spans_per_trace}); a trace read by ID with at least this many spans is
 *       returned with a warning that spans beyond the cap were not stored. Unset, no trace gets it.
 * </ul>
 */
public final class QueryLimits {
  private static final QueryLimits DEFAULTS = builder().build();

  private final int maxTracesPerSearch;
  private final Duration maxTimeRange;
  private final int maxSpansPerTrace;
  private final Duration regexBudget;
  private final int maxInspectedTraces;
  private final int storageMaxSpansPerTrace;

  private QueryLimits(Builder b) {
    this.maxTracesPerSearch = b.maxTracesPerSearch;
    this.maxTimeRange = b.maxTimeRange;
    this.maxSpansPerTrace = b.maxSpansPerTrace;
    this.regexBudget = b.regexBudget;
    this.maxInspectedTraces = b.maxInspectedTraces;
    this.storageMaxSpansPerTrace = b.storageMaxSpansPerTrace;
  }

  /** 1000 traces per search, 7 days per request, 10,000 spans per trace, 1 s of regular expressions, 10,000 inspected traces. */
  public static QueryLimits defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxTracesPerSearch() {
    return maxTracesPerSearch;
  }

  public Duration maxTimeRange() {
    return maxTimeRange;
  }

  public int maxSpansPerTrace() {
    return maxSpansPerTrace;
  }

  public Duration regexBudget() {
    return regexBudget;
  }

  public int maxInspectedTraces() {
    return maxInspectedTraces;
  }

  /** The storage backend's per-trace cap; {@link Integer#MAX_VALUE} when it has none. */
  public int storageMaxSpansPerTrace() {
    return storageMaxSpansPerTrace;
  }

  @Override
  public String toString() {
    return "QueryLimits{maxTracesPerSearch=" + maxTracesPerSearch + ", maxTimeRange=" + maxTimeRange
        + ", maxSpansPerTrace=" + maxSpansPerTrace + ", regexBudget=" + regexBudget
        + ", maxInspectedTraces=" + maxInspectedTraces + ", storageMaxSpansPerTrace=" + storageMaxSpansPerTrace + '}';
  }

  /** Builds {@link QueryLimits}; unset values keep their defaults. */
  public static final class Builder {
    private int maxTracesPerSearch = 1000;
    private Duration maxTimeRange = Duration.ofDays(7);
    private int maxSpansPerTrace = 10_000;
    private Duration regexBudget = Duration.ofSeconds(1);
    private int maxInspectedTraces = 10_000;
    private int storageMaxSpansPerTrace = Integer.MAX_VALUE;

    private Builder() {}

    public Builder maxTracesPerSearch(int n) {
      this.maxTracesPerSearch = positive("maxTracesPerSearch", n);
      return this;
    }

    public Builder maxTimeRange(Duration d) {
      this.maxTimeRange = positive("maxTimeRange", d);
      return this;
    }

    public Builder maxSpansPerTrace(int n) {
      this.maxSpansPerTrace = positive("maxSpansPerTrace", n);
      return this;
    }

    public Builder regexBudget(Duration d) {
      this.regexBudget = positive("regexBudget", d);
      return this;
    }

    public Builder maxInspectedTraces(int n) {
      this.maxInspectedTraces = positive("maxInspectedTraces", n);
      return this;
    }

    public Builder storageMaxSpansPerTrace(int n) {
      this.storageMaxSpansPerTrace = positive("storageMaxSpansPerTrace", n);
      return this;
    }

    public QueryLimits build() {
      return new QueryLimits(this);
    }

    private static int positive(String name, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: > 0)");
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }
  }
}
