package dev.skein.components.tailsampling;

import java.util.function.LongSupplier;

/**
 * Samples traces while a token bucket of spans allows: it refills continuously at
 * {@code spans_per_second}, holds at most twice that, and starts full, as the Collector's
 * {@code golang.org/x/time/rate} limiter does. A trace with more spans than the bucket holds is
 * never sampled by this policy.
 */
final class RateLimitingPolicy implements Policy {
  private final LongSupplier nanoClock;
  private final double perNano;
  private final double capacity;
  private double tokens;
  private long last;

  RateLimitingPolicy(long spansPerSecond, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.perNano = spansPerSecond / 1e9;
    this.capacity = 2.0 * spansPerSecond;
    this.tokens = capacity;
    this.last = nanoClock.getAsLong();
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long now = nanoClock.getAsLong();
    long elapsed = now - last;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * perNano);
      last = now;
    }
    if (trace.spanCount() <= tokens) {
      tokens -= trace.spanCount();
      return Decision.SAMPLED;
    }
    return Decision.NOT_SAMPLED;
  }
}
