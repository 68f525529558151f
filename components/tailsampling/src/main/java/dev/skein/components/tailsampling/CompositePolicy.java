package dev.skein.components.tailsampling;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Samples by the first sub-policy (in {@code policy_order}) that matches a trace, as long as that
 * sub-policy's share of {@code max_total_spans_per_second} and the total itself still have room in
 * the current second. When the matching sub-policy is out of room the trace is not sampled; later
 * sub-policies are not asked, as in the Collector. Counters restart at each whole second of the
 * clock.
 */
final class CompositePolicy implements Policy {
  /** A sub-policy with its spans-per-second allocation. */
  record Sub(String name, Policy policy, long allocatedSpansPerSecond) {}

  private final List<Sub> subs;
  private final long maxTotal;
  private final LongSupplier nanoClock;
  private final long[] sampledThisSecond;
  private long totalThisSecond;
  private long second = Long.MIN_VALUE;

  CompositePolicy(List<Sub> subs, long maxTotalSpansPerSecond, LongSupplier nanoClock) {
    this.subs = List.copyOf(subs);
    this.maxTotal = maxTotalSpansPerSecond;
    this.nanoClock = nanoClock;
    this.sampledThisSecond = new long[subs.size()];
  }

  @Override
  public Decision evaluate(TraceData trace) {
    long now = Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    if (now != second) {
      second = now;
      totalThisSecond = 0;
      java.util.Arrays.fill(sampledThisSecond, 0);
    }
    for (int i = 0; i < subs.size(); i++) {
      Sub sub = subs.get(i);
      if (!sub.policy().evaluate(trace).matches()) {
        continue;
      }
      long subIfSampled = sampledThisSecond[i] + trace.spanCount();
      long totalIfSampled = totalThisSecond + trace.spanCount();
      if (subIfSampled <= sub.allocatedSpansPerSecond() && totalIfSampled <= maxTotal) {
        sampledThisSecond[i] = subIfSampled;
        totalThisSecond = totalIfSampled;
        return Decision.SAMPLED;
      }
      // Nothing is spent on a trace that did not fit, so a smaller one may still fit this second.
      return Decision.NOT_SAMPLED;
    }
    return Decision.NOT_SAMPLED;
  }
}
