package dev.skein.storage.analytics;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Rate, errors and duration of spans, counted the way the {@code spanmetrics} connector counts
 * them: every span is one call, a span whose status code is ERROR is one error, and its duration
 * is its end time minus its start time.
 *
 * <p>Spans are selected by start time in [{@code startNanos}, {@code endNanos}), and by
 * {@code service}, {@code operation} (span name) and {@code spanKind} when those are set. They are
 * grouped by service, or by service and span name when {@code byOperation}, and by time bucket:
 * bucket {@code i} holds the spans that started in
 * [{@code startNanos + i * stepNanos}, {@code startNanos + (i + 1) * stepNanos}).
 * A {@code stepNanos} of at least {@code endNanos - startNanos} gives one bucket for the window.
 *
 * @param spanKind only spans of this kind, or null for every kind
 */
public record RedQuery(@Nullable String service, @Nullable String operation,
    @Nullable Span.SpanKind spanKind, boolean byOperation, long startNanos, long endNanos,
    long stepNanos) {
  public RedQuery {
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("endNanos " + endNanos + " (expected: > startNanos " + startNanos + ")");
    }
    if (spanKind == Span.SpanKind.UNRECOGNIZED) {
      throw new IllegalArgumentException("spanKind UNRECOGNIZED (expected: a kind OTLP defines, or null)");
    }
    if (stepNanos <= 0) {
      throw new IllegalArgumentException("stepNanos " + stepNanos + " (expected: > 0)");
    }
  }

  /** The number of buckets the window holds. */
  public int buckets() {
    return (int) Math.min(Integer.MAX_VALUE, (endNanos - startNanos + stepNanos - 1) / stepNanos);
  }
}
