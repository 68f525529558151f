package dev.skein.components.tailsampling;

import dev.skein.model.Traces;

/**
 * Samples by the trace's duration: from the earliest span start to the latest span end, ignoring
 * what happened in between. Without an upper bound a trace is sampled when it lasted at least
 * {@code threshold_ms}; with one, when it lasted more than {@code threshold_ms} and at most
 * {@code upper_threshold_ms}. Durations are whole milliseconds, rounded down.
 */
final class LatencyPolicy implements Policy {
  private final long thresholdMs;
  private final long upperThresholdMs;

  LatencyPolicy(long thresholdMs, long upperThresholdMs) {
    this.thresholdMs = thresholdMs;
    this.upperThresholdMs = upperThresholdMs;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long[] bounds = {Long.MAX_VALUE, Long.MIN_VALUE};
    Traces.SpanVisitor visitor = (rs, ss, span) -> {
      // Zero means "not set" in OTLP; such a span says nothing about the trace's extent.
      if (span.getStartTimeUnixNano() != 0) {
        bounds[0] = Math.min(bounds[0], span.getStartTimeUnixNano());
      }
      if (span.getEndTimeUnixNano() != 0) {
        bounds[1] = Math.max(bounds[1], span.getEndTimeUnixNano());
      }
    };
    trace.forEachSpan(visitor);
    if (bounds[0] == Long.MAX_VALUE || bounds[1] == Long.MIN_VALUE) {
      return Decision.NOT_SAMPLED;
    }
    long durationMs = Math.floorDiv(bounds[1] - bounds[0], 1_000_000L);
    boolean sampled = upperThresholdMs == 0
        ? durationMs >= thresholdMs
        : durationMs > thresholdMs && durationMs <= upperThresholdMs;
    return sampled ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }
}
