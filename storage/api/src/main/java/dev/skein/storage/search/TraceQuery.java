package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A search for traces. Immutable; made by a {@link Builder}, which checks every value as it is
 * set.
 *
 * <p>A trace matches when:
 * <ul>
 *   <li>its earliest span started within [{@link #startMinNanos()}, {@link #startMaxNanos()}];
 *   <li>its duration (latest end minus earliest start) is within the minimum and maximum
 *       duration, where set;
 *   <li>it meets {@link #condition()}, where set.
 * </ul>
 * The convenience setters {@link Builder#service}, {@link Builder#operation},
 * {@link Builder#spanKind}, {@link Builder#minSpanDuration}, {@link Builder#maxSpanDuration} and
 * {@link Builder#span} all constrain one and the same span, as Jaeger's search does: the trace
 * must have a span meeting all of them at once. {@link Builder#where} adds conditions that other
 * spans may meet.
 *
 * <p>Matches come in {@link #order()}, at most {@link #limit()} of them, starting after
 * {@link #cursor()} when set. Regular expressions may run for {@link #regexBudget()} in total;
 * beyond it the search fails with {@link RegexBudgetExceededException}.
 */
public final class TraceQuery {
  /** The number of traces a search returns unless told otherwise. */
  public static final int DEFAULT_LIMIT = 20;
  /** The time regular expressions may take unless told otherwise. */
  public static final Duration DEFAULT_REGEX_BUDGET = Duration.ofSeconds(1);

  private final @Nullable TraceCondition condition;
  private final long startMinNanos;
  private final long startMaxNanos;
  private final @Nullable Long minDurationNanos;
  private final @Nullable Long maxDurationNanos;
  private final int limit;
  private final Order order;
  private final @Nullable Cursor cursor;
  private final Duration regexBudget;
  private final Builder source;

  private TraceQuery(Builder b) {
    List<TraceCondition> all = new ArrayList<>();
    if (!b.span.isEmpty()) {
      all.add(TraceCondition.hasSpan(SpanCondition.all(List.copyOf(b.span))));
    }
    all.addAll(b.where);
    this.condition = all.isEmpty() ? null : TraceCondition.allOf(all);
    this.startMinNanos = b.startMinNanos;
    this.startMaxNanos = b.startMaxNanos;
    this.minDurationNanos = b.minDurationNanos;
    this.maxDurationNanos = b.maxDurationNanos;
    this.limit = b.limit;
    this.order = b.order;
    this.cursor = b.cursor;
    this.regexBudget = b.regexBudget;
    this.source = b.copy();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding every setting of this query. */
  public Builder toBuilder() {
    return source.copy();
  }

  /** What a matching trace must meet, or null when any trace in the time range matches. */
  public @Nullable TraceCondition condition() {
    return condition;
  }

  /** The earliest start time of a matching trace, epoch nanoseconds, inclusive. */
  public long startMinNanos() {
    return startMinNanos;
  }

  /** The latest start time of a matching trace, epoch nanoseconds, inclusive. */
  public long startMaxNanos() {
    return startMaxNanos;
  }

  /** The shortest duration of a matching trace, in nanoseconds, or null for no minimum. */
  public @Nullable Long minDurationNanos() {
    return minDurationNanos;
  }

  /** The longest duration of a matching trace, in nanoseconds, or null for no maximum. */
  public @Nullable Long maxDurationNanos() {
    return maxDurationNanos;
  }

  public int limit() {
    return limit;
  }

  public Order order() {
    return order;
  }

  /** Where the previous page ended, or null for the first page. */
  public @Nullable Cursor cursor() {
    return cursor;
  }

  public Duration regexBudget() {
    return regexBudget;
  }

  /** Whether {@code summary} meets the time range and durations (not {@link #condition()}). */
  public boolean inRange(TraceSummary summary) {
    return summary.startNanos() >= startMinNanos && summary.startNanos() <= startMaxNanos
        && (minDurationNanos == null || summary.durationNanos() >= minDurationNanos)
        && (maxDurationNanos == null || summary.durationNanos() <= maxDurationNanos);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TraceQuery)) {
      return false;
    }
    TraceQuery q = (TraceQuery) o;
    return Objects.equals(condition, q.condition) && startMinNanos == q.startMinNanos
        && startMaxNanos == q.startMaxNanos && Objects.equals(minDurationNanos, q.minDurationNanos)
        && Objects.equals(maxDurationNanos, q.maxDurationNanos) && limit == q.limit
        && order == q.order && Objects.equals(cursor, q.cursor) && regexBudget.equals(q.regexBudget);
  }

  @Override
  public int hashCode() {
    return Objects.hash(condition, startMinNanos, startMaxNanos, limit, order, cursor);
  }

  @Override
  public String toString() {
    return "TraceQuery{condition=" + condition + ", start=[" + startMinNanos + ", " + startMaxNanos
        + "], duration=[" + minDurationNanos + ", " + maxDurationNanos + "], limit=" + limit
        + ", order=" + order.parameter() + (cursor == null ? "" : ", cursor=" + cursor) + '}';
  }

  /** Builds a {@link TraceQuery}. Every setter checks its value at once. */
  public static final class Builder {
    private final List<SpanCondition> span = new ArrayList<>();
    private final List<TraceCondition> where = new ArrayList<>();
    private long startMinNanos = 0;
    private long startMaxNanos = Long.MAX_VALUE;
    private @Nullable Long minDurationNanos;
    private @Nullable Long maxDurationNanos;
    private int limit = DEFAULT_LIMIT;
    private Order order = Order.NEWEST;
    private @Nullable Cursor cursor;
    private Duration regexBudget = DEFAULT_REGEX_BUDGET;

    private Builder() {}

    /** The span must belong to {@code service}. */
    public Builder service(String service) {
      requireNonNull(service, "service");
      return span(SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string(service)));
    }

    /** The span must have the name {@code operation}. */
    public Builder operation(String operation) {
      requireNonNull(operation, "operation");
      return span(SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string(operation)));
    }

    /** The span must be of {@code kind}. */
    public Builder spanKind(Span.SpanKind kind) {
      return span(SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(kind)));
    }

    /** The span must last at least {@code min}. */
    public Builder minSpanDuration(Duration min) {
      requireNonNull(min, "min");
      return span(SpanCondition.compare(Intrinsic.DURATION, Comparison.GE, Value.duration(min)));
    }

    /** The span must last at most {@code max}. */
    public Builder maxSpanDuration(Duration max) {
      requireNonNull(max, "max");
      return span(SpanCondition.compare(Intrinsic.DURATION, Comparison.LE, Value.duration(max)));
    }

    /** The span must also meet {@code condition}. */
    public Builder span(SpanCondition condition) {
      span.add(requireNonNull(condition, "condition"));
      return this;
    }

    /** The trace must also meet {@code condition}, by any of its spans. */
    public Builder where(TraceCondition condition) {
      where.add(requireNonNull(condition, "condition"));
      return this;
    }

    /** Only traces whose earliest span started at or after {@code start}. */
    public Builder startMin(Instant start) {
      return startMinNanos(nanos(requireNonNull(start, "start")));
    }

    /** Only traces whose earliest span started at or before {@code end}. */
    public Builder startMax(Instant end) {
      return startMaxNanos(nanos(requireNonNull(end, "end")));
    }

    /** Like {@link #startMin}, in epoch nanoseconds. */
    public Builder startMinNanos(long nanos) {
      if (nanos > startMaxNanos) {
        throw new IllegalArgumentException("start: " + nanos + " (expected: <= end, " + startMaxNanos + ")");
      }
      this.startMinNanos = nanos;
      return this;
    }

    /** Like {@link #startMax}, in epoch nanoseconds. */
    public Builder startMaxNanos(long nanos) {
      if (nanos < startMinNanos) {
        throw new IllegalArgumentException("end: " + nanos + " (expected: >= start, " + startMinNanos + ")");
      }
      this.startMaxNanos = nanos;
      return this;
    }

    /** Only traces lasting at least {@code min}. */
    public Builder minDuration(Duration min) {
      long n = requireNonNull(min, "min").toNanos();
      if (maxDurationNanos != null && n > maxDurationNanos) {
        throw new IllegalArgumentException("minDuration: " + min + " (expected: <= maxDuration, "
            + Duration.ofNanos(maxDurationNanos) + ")");
      }
      this.minDurationNanos = n;
      return this;
    }

    /** Only traces lasting at most {@code max}. */
    public Builder maxDuration(Duration max) {
      long n = requireNonNull(max, "max").toNanos();
      if (minDurationNanos != null && n < minDurationNanos) {
        throw new IllegalArgumentException("maxDuration: " + max + " (expected: >= minDuration, "
            + Duration.ofNanos(minDurationNanos) + ")");
      }
      this.maxDurationNanos = n;
      return this;
    }

    /** At most this many traces. Default {@value TraceQuery#DEFAULT_LIMIT}. */
    public Builder limit(int limit) {
      if (limit <= 0) {
        throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
      }
      this.limit = limit;
      return this;
    }

    /** Default {@link Order#NEWEST}. */
    public Builder order(Order order) {
      this.order = requireNonNull(order, "order");
      return this;
    }

    /** Continue after {@code cursor}, which must come from a search in the same order; null to start over. */
    public Builder cursor(@Nullable Cursor cursor) {
      this.cursor = cursor;
      return this;
    }

    /** The time regular expressions may take in total. Default 1 second. */
    public Builder regexBudget(Duration budget) {
      requireNonNull(budget, "budget");
      if (budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("regexBudget: " + budget + " (expected: > 0)");
      }
      this.regexBudget = budget;
      return this;
    }

    /**
     * Returns the query.
     *
     * @throws IllegalArgumentException if the cursor was made for another order
     */
    public TraceQuery build() {
      if (cursor != null && cursor.order() != order) {
        throw new IllegalArgumentException("cursor: made for order=" + cursor.order().parameter()
            + " (expected: a cursor of a search with order=" + order.parameter() + ")");
      }
      return new TraceQuery(this);
    }

    private Builder copy() {
      Builder b = new Builder();
      b.span.addAll(span);
      b.where.addAll(where);
      b.startMinNanos = startMinNanos;
      b.startMaxNanos = startMaxNanos;
      b.minDurationNanos = minDurationNanos;
      b.maxDurationNanos = maxDurationNanos;
      b.limit = limit;
      b.order = order;
      b.cursor = cursor;
      b.regexBudget = regexBudget;
      return b;
    }

    private static long nanos(Instant t) {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
  }
}
