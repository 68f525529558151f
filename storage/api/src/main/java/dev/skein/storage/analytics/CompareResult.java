package dev.skein.storage.analytics;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The answer to a {@link CompareQuery}.
 *
 * <p>Each attribute value is counted once per span that carries it, as a span attribute
 * ({@code scope} "span") or on the span's resource ({@code scope} "resource"); values of type
 * string, int, double and bool take part, in their text form. Values are ranked by
 * {@link AttributeShare#difference()}, largest first, ties broken by scope, key and value; at most
 * the query's limit are returned.
 *
 * @param selectionSpans the number of spans selected
 * @param baselineSpans the number of the other spans of the population
 */
public record CompareResult(long selectionSpans, long baselineSpans, List<AttributeShare> attributes) {
  public CompareResult {
    attributes = List.copyOf(attributes);
  }

  /**
   * One attribute value, with how many spans of the selection and of the baseline carry it.
   *
   * @param scope "span" or "resource"
   */
  public record AttributeShare(String scope, String key, String value, long selectionCount,
      long baselineCount, long selectionSpans, long baselineSpans) {
    public AttributeShare {
      requireNonNull(scope, "scope");
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }

    /** The share of selected spans that carry this value, from 0 to 1. */
    public double selectionShare() {
      return selectionSpans == 0 ? 0 : (double) selectionCount / selectionSpans;
    }

    /** The share of baseline spans that carry this value, from 0 to 1. */
    public double baselineShare() {
      return baselineSpans == 0 ? 0 : (double) baselineCount / baselineSpans;
    }

    /** {@link #selectionShare()} minus {@link #baselineShare()}: positive when over-represented. */
    public double difference() {
      return selectionShare() - baselineShare();
    }
  }
}
