package dev.skein.components.ottl;

/**
 * What a condition is evaluated against, as the Collector's OTTL contexts name them: a span
 * ({@code traces.span}) or one event of a span ({@code traces.spanevent}).
 */
public enum Context {
  /** Paths name the span's fields; {@code span.} may prefix them. */
  SPAN,
  /** Paths name the event's fields; {@code span.} reaches the span that holds the event. */
  SPANEVENT
}
