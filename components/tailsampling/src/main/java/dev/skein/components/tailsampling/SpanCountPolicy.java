package dev.skein.components.tailsampling;

/** Samples a trace with at least {@code min_spans} and, unless it is 0, at most {@code max_spans} spans. */
final class SpanCountPolicy implements Policy {
  private final int min;
  private final int max;

  SpanCountPolicy(int min, int max) {
    this.min = min;
    this.max = max;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    int n = trace.spanCount();
    return n >= min && (max == 0 || n <= max) ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }
}
