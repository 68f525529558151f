package dev.skein.storage;

import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.TraceSummaryBuilder;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads spans from a store. Implementations are thread-safe.
 *
 * <p>A span written more than once (the same span under the same resource and scope) is read
 * once, by every method. Methods a backend does not support throw
 * {@link UnsupportedOperationException} naming the missing {@link Capabilities.Capability}; the
 * backend's {@link #capabilities()} says which it supports.
 */
public interface TraceReader {
  /**
   * Returns every stored span of the trace, grouped by resource and scope, or empty when no span
   * of it is stored. Spans written after the returned future of {@link TraceWriter#write}
   * completed are always visible.
   */
  Optional<Traces> trace(TraceId traceId);

  /** Returns the names of every service that has stored spans, sorted. */
  List<String> services();

  /**
   * Returns the operations of {@code service}, sorted by name then kind.
   *
   * @param spanKind a Jaeger span kind ({@code server}, {@code client}, {@code producer},
   *     {@code consumer}, {@code internal}) to keep only those, or null for all
   */
  List<Operation> operations(String service, @Nullable String spanKind);

  /** What this backend supports. */
  default Capabilities capabilities() {
    return Capabilities.of(Capabilities.Capability.TRACE_BY_ID);
  }

  /**
   * Returns the trace with at most {@code maxSpans} spans: the earliest-starting ones, ties broken
   * by span ID. Backends should override this to avoid reading a huge trace whole; this default
   * reads it whole and then drops spans.
   *
   * @throws IllegalArgumentException if {@code maxSpans} is not positive
   */
  default Optional<LimitedTrace> trace(TraceId traceId, int maxSpans) {
    if (maxSpans <= 0) {
      throw new IllegalArgumentException("maxSpans: " + maxSpans + " (expected: > 0)");
    }
    return trace(traceId).map(all -> LimitedTrace.truncate(all, maxSpans));
  }

  /**
   * Returns several traces at once, each as {@link #trace(TraceId, int)} returns it, keyed by
   * trace ID in the order of {@code traceIds}; a trace with no stored span is left out, and an ID
   * asked for twice is read once. Backends should override this to read them in one go; this
   * default reads them one by one.
   *
   * @throws IllegalArgumentException if {@code maxSpans} is not positive
   */
  default Map<TraceId, LimitedTrace> traces(List<TraceId> traceIds, int maxSpans) {
    if (maxSpans <= 0) {
      throw new IllegalArgumentException("maxSpans: " + maxSpans + " (expected: > 0)");
    }
    Map<TraceId, LimitedTrace> out = new LinkedHashMap<>();
    for (TraceId id : traceIds) {
      if (!out.containsKey(id)) {
        trace(id, maxSpans).ifPresent(t -> out.put(id, t));
      }
    }
    return out;
  }

  /**
   * Returns one page of the traces that match {@code query}, as {@link TraceQuery} defines, in
   * its order. {@link SearchResult#next()} is set exactly when more matching traces follow.
   *
   * @throws dev.skein.storage.search.RegexBudgetExceededException when regular expressions ran
   *     past the query's budget
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#SEARCH}
   */
  default SearchResult search(TraceQuery query) {
    throw unsupported(this, "search", Capabilities.Capability.SEARCH);
  }

  /**
   * Returns the calls between services made by spans that started within [{@code startMinNanos},
   * {@code startMaxNanos}]: for each child span whose parent span (a stored span of the same trace
   * with the child's parent span ID) belongs to another service, one call from the parent's
   * service to the child's. Sorted by parent, then child.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#DEPENDENCIES}
   */
  default List<DependencyLink> dependencies(long startMinNanos, long startMaxNanos) {
    throw unsupported(this, "dependencies", Capabilities.Capability.DEPENDENCIES);
  }

  /**
   * Returns the distinct keys of the attributes of {@code query.scope()} on the spans the query
   * selects, sorted, at most {@code query.limit()}.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#TAGS}
   */
  default List<String> tagNames(TagQuery query) {
    throw unsupported(this, "tag names", Capabilities.Capability.TAGS);
  }

  /**
   * Returns the distinct values of attribute {@code key} of {@code query.scope()} on the spans the
   * query selects, for values of type string, int, double and bool; sorted by value, then type;
   * at most {@code query.limit()}.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#TAGS}
   */
  default List<TagValue> tagValues(TagQuery query, String key) {
    throw unsupported(this, "tag values", Capabilities.Capability.TAGS);
  }

  /**
   * Returns rate, errors and duration of the spans {@code query} selects, one point per group and
   * bucket that has spans, sorted by service, operation (nulls first), then bucket start.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#ANALYTICS}
   */
  default List<RedPoint> red(RedQuery query) {
    throw unsupported(this, "rate, errors and duration", Capabilities.Capability.ANALYTICS);
  }

  /**
   * Returns the duration distribution of each of {@code operations} over the spans that started
   * in [{@code startNanos}, {@code endNanos}), in the order asked for, leaving out the spans of
   * the trace {@code excluding} (the trace being compared with the baselines, so that it is not
   * measured against itself). An operation with no span in the window is left out.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#ANALYTICS}
   */
  default List<Baseline> baselines(Collection<OperationKey> operations, long startNanos, long endNanos,
      @Nullable TraceId excluding) {
    throw unsupported(this, "baselines", Capabilities.Capability.ANALYTICS);
  }

  /**
   * Compares the attribute values of a selection of spans with the rest of their population, as
   * {@link CompareQuery} and {@link CompareResult} define.
   *
   * @throws UnsupportedOperationException without {@link Capabilities.Capability#ANALYTICS}
   */
  default CompareResult compare(CompareQuery query) {
    throw unsupported(this, "compare", Capabilities.Capability.ANALYTICS);
  }

  /**
   * Returns the summary of one trace, as search would report it, or empty when no span of it is
   * stored. This default reads the whole trace.
   */
  default Optional<TraceSummary> summary(TraceId traceId) {
    return trace(traceId).map(t -> TraceSummaryBuilder.of(traceId, t));
  }

  private static UnsupportedOperationException unsupported(TraceReader reader, String what,
      Capabilities.Capability capability) {
    return new UnsupportedOperationException(reader.getClass().getSimpleName() + " does not support "
        + what + " (capability " + capability + ")");
  }
}
