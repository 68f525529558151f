package dev.skein.query.traceql;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * A span of a trace that a TraceQL query matched, with its resource header.
 *
 * @param resource the span's resource (without scope spans)
 * @param span the span
 */
public record SpanRef(ResourceSpans resource, Span span) {
  public SpanRef {
    requireNonNull(resource, "resource");
    requireNonNull(span, "span");
  }
}
