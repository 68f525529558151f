package dev.skein.components.ottl;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * The telemetry one condition is evaluated against: a span with its resource and scope, and for
 * {@link Context#SPANEVENT} one of its events.
 *
 * @param resource the resource the span belongs to
 * @param scope the instrumentation scope the span belongs to
 * @param span the span
 * @param event the event, required in {@link Context#SPANEVENT} and ignored otherwise
 */
public record Subject(Resource resource, InstrumentationScope scope, Span span, @Nullable Span.Event event) {
  public Subject {
    requireNonNull(resource, "resource");
    requireNonNull(scope, "scope");
    requireNonNull(span, "span");
  }

  /** A subject for {@link Context#SPAN}. */
  public static Subject of(Resource resource, InstrumentationScope scope, Span span) {
    return new Subject(resource, scope, span, null);
  }
}
