package dev.skein.storage.analytics;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;

/**
 * A BubbleUp comparison: which attribute values are over-represented on a selection of spans
 * against the rest of the same spans.
 *
 * <p>The population is every span that started in [{@code startNanos}, {@code endNanos}) and,
 * when set, belongs to {@code service} and has the name {@code operation}. The selection is the
 * part of the population that meets every set condition of {@code selection}; the baseline is the
 * rest of the population.
 *
 * @param limit the most attribute values to return, ranked as {@link CompareResult} says
 */
public record CompareQuery(@Nullable String service, @Nullable String operation, long startNanos,
    long endNanos, Selection selection, int limit) {
  public CompareQuery {
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("endNanos " + endNanos + " (expected: > startNanos " + startNanos + ")");
    }
    if (limit <= 0) {
      throw new IllegalArgumentException("limit " + limit + " (expected: > 0)");
    }
    requireNonNull(selection, "selection");
  }

  /**
   * Which spans of the population are selected: those meeting every condition that is set. A
   * selection with no condition set is refused.
   *
   * @param minDurationNanos duration at least this, or null
   * @param maxDurationNanos duration at most this, or null
   * @param startMinNanos started at or after this, or null
   * @param startMaxNanos started before this, or null
   * @param errorsOnly only spans with status code ERROR
   */
  public record Selection(@Nullable Long minDurationNanos, @Nullable Long maxDurationNanos,
      @Nullable Long startMinNanos, @Nullable Long startMaxNanos, boolean errorsOnly) {
    public Selection {
      if (minDurationNanos == null && maxDurationNanos == null && startMinNanos == null
          && startMaxNanos == null && !errorsOnly) {
        throw new IllegalArgumentException("selection: no condition set (expected: a duration range, a time range or errors only)");
      }
    }

    /** Whether a span with this duration, start time and error status is selected. */
    public boolean test(long durationNanos, long startNanos, boolean error) {
      return (minDurationNanos == null || durationNanos >= minDurationNanos)
          && (maxDurationNanos == null || durationNanos <= maxDurationNanos)
          && (startMinNanos == null || startNanos >= startMinNanos)
          && (startMaxNanos == null || startNanos < startMaxNanos)
          && (!errorsOnly || error);
    }
  }
}
