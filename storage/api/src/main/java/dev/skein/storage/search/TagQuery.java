package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import java.time.Duration;

/**
 * Which attribute names or values to list. Made by a {@link Builder}; immutable.
 *
 * <p>Only spans that started within [{@link #startMinNanos()}, {@link #startMaxNanos()}] and meet
 * {@link #where()} count. {@link #scope()} says whose attributes are listed: the spans' own, their
 * resources', or both ({@link TagScope#ANY}).
 */
public final class TagQuery {
  /** The most names or values listed unless told otherwise. */
  public static final int DEFAULT_LIMIT = 1000;

  private final TagScope scope;
  private final SpanCondition where;
  private final long startMinNanos;
  private final long startMaxNanos;
  private final int limit;
  private final Duration regexBudget;

  private TagQuery(Builder b) {
    this.scope = b.scope;
    this.where = b.where;
    this.startMinNanos = b.startMinNanos;
    this.startMaxNanos = b.startMaxNanos;
    this.limit = b.limit;
    this.regexBudget = b.regexBudget;
  }

  /** Returns a builder listing attributes of {@code scope}. */
  public static Builder builder(TagScope scope) {
    return new Builder(requireNonNull(scope, "scope"));
  }

  public TagScope scope() {
    return scope;
  }

  /** The condition a span must meet for its attributes to count; {@link SpanCondition#TRUE} for all. */
  public SpanCondition where() {
    return where;
  }

  public long startMinNanos() {
    return startMinNanos;
  }

  public long startMaxNanos() {
    return startMaxNanos;
  }

  /** The most names or values listed. */
  public int limit() {
    return limit;
  }

  public Duration regexBudget() {
    return regexBudget;
  }

  @Override
  public String toString() {
    return "TagQuery{scope=" + scope + ", where=" + where + ", start=[" + startMinNanos + ", "
        + startMaxNanos + "], limit=" + limit + '}';
  }

  /** Builds a {@link TagQuery}. Every setter checks its value at once. */
  public static final class Builder {
    private final TagScope scope;
    private SpanCondition where = SpanCondition.TRUE;
    private long startMinNanos = 0;
    private long startMaxNanos = Long.MAX_VALUE;
    private int limit = DEFAULT_LIMIT;
    private Duration regexBudget = TraceQuery.DEFAULT_REGEX_BUDGET;

    private Builder(TagScope scope) {
      this.scope = scope;
    }

    /** Only spans meeting {@code condition} count. */
    public Builder where(@Nullable SpanCondition condition) {
      this.where = condition == null ? SpanCondition.TRUE : condition;
      return this;
    }

    /** Only spans that started within [{@code min}, {@code max}], epoch nanoseconds. */
    public Builder startBetween(long min, long max) {
      if (min > max) {
        throw new IllegalArgumentException("start: " + min + " (expected: <= end, " + max + ")");
      }
      this.startMinNanos = min;
      this.startMaxNanos = max;
      return this;
    }

    /** At most this many names or values. */
    public Builder limit(int limit) {
      if (limit <= 0) {
        throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
      }
      this.limit = limit;
      return this;
    }

    public Builder regexBudget(Duration budget) {
      requireNonNull(budget, "budget");
      if (budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("regexBudget: " + budget + " (expected: > 0)");
      }
      this.regexBudget = budget;
      return this;
    }

    public TagQuery build() {
      return new TagQuery(this);
    }
  }
}
