package dev.skein.components.tailsampling;

/**
 * What one policy says about a trace. The inverted decisions come from {@code invert_match}; as
 * in the Collector, an inverted "not sampled" vetoes the trace, and an inverted "sampled" samples
 * it only when no policy says plainly "not sampled".
 */
enum Decision {
  SAMPLED, NOT_SAMPLED, INVERT_SAMPLED, INVERT_NOT_SAMPLED, DROPPED;

  /** Whether a combining policy ({@code and}, {@code drop}, {@code composite}) counts this as a match. */
  boolean matches() {
    return this == SAMPLED || this == INVERT_SAMPLED;
  }
}
