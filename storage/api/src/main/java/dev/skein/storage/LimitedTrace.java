package dev.skein.storage;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Hex;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A trace read with a cap on its spans.
 *
 * @param spans the spans returned: all of them, or when the trace has more than the cap, the
 *     earliest-starting ones (ties broken by span ID), grouped by resource and scope
 * @param totalSpans how many distinct spans the trace has in storage
 */
public record LimitedTrace(Traces spans, int totalSpans) {
  public LimitedTrace {
    requireNonNull(spans, "spans");
    if (totalSpans < spans.spanCount()) {
      throw new IllegalArgumentException("totalSpans: " + totalSpans + " (expected: >= "
          + spans.spanCount() + ", the spans returned)");
    }
  }

  /**
   * Keeps at most {@code maxSpans} spans of {@code all}, the spans of one trace: the
   * earliest-starting ones, ties broken by span ID (as hex).
   *
   * @throws IllegalArgumentException if {@code maxSpans} is not positive
   */
  public static LimitedTrace truncate(Traces all, int maxSpans) {
    requireNonNull(all, "all");
    if (maxSpans <= 0) {
      throw new IllegalArgumentException("maxSpans: " + maxSpans + " (expected: > 0)");
    }
    if (all.spanCount() <= maxSpans) {
      return new LimitedTrace(all, all.spanCount());
    }
    List<Located> spans = new ArrayList<>(all.spanCount());
    all.forEachSpan((rs, ss, span) -> spans.add(new Located(rs, ss, span)));
    spans.sort(Comparator.comparingLong((Located l) -> l.span.getStartTimeUnixNano())
        .thenComparing(l -> Hex.encode(l.span.getSpanId())));
    Traces.Builder b = Traces.builder();
    for (Located l : spans.subList(0, maxSpans)) {
      b.add(l.resource, l.scope, l.span);
    }
    return new LimitedTrace(b.build(), all.spanCount());
  }

  /** Whether spans were left out. */
  public boolean truncated() {
    return totalSpans > spans.spanCount();
  }

  private static final class Located {
    final ResourceSpans resource;
    final ScopeSpans scope;
    final Span span;

    Located(ResourceSpans resource, ScopeSpans scope, Span span) {
      this.resource = resource;
      this.scope = scope;
      this.span = span;
    }
  }
}
