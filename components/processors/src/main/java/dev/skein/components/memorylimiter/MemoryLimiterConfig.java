package dev.skein.components.memorylimiter;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code memory_limiter} settings. The hard limit is {@code limit_mib} MiB or
 * {@code limit_percentage} percent of the JVM's maximum heap; the soft limit is the hard limit less
 * the spike limit, which defaults to 20% of the hard limit. Unlike the Collector, which lets
 * {@code limit_mib} win when both forms are given, Skein asks for exactly one form.
 */
final class MemoryLimiterConfig implements ComponentConfig {
  private static final long UINT32_MAX = 0xffffffffL;

  /** Time between measurements. Required. */
  Duration checkInterval = Duration.ZERO;
  /** The hard limit in MiB. */
  long limitMib;
  /** The hard limit less the soft limit, in MiB; 0 means 20% of limit_mib. */
  long spikeLimitMib;
  /** The hard limit in percent of the JVM's maximum heap. */
  long limitPercentage;
  /** The hard limit less the soft limit, in percent; 0 means 20% of the hard limit. */
  long spikeLimitPercentage;
  /** The shortest time between two collections forced while above the soft limit. */
  Duration minGcIntervalWhenSoftLimited = Duration.ofSeconds(10);
  /** The shortest time between two collections forced while above the hard limit. */
  Duration minGcIntervalWhenHardLimited = Duration.ZERO;

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      errors.add("check_interval: " + GoDuration.format(checkInterval) + " (expected: > 0, e.g. 1s)");
    }
    if (minGcIntervalWhenSoftLimited.isNegative()) {
      errors.add("min_gc_interval_when_soft_limited: " + GoDuration.format(minGcIntervalWhenSoftLimited)
          + " (expected: >= 0)");
    }
    if (minGcIntervalWhenHardLimited.isNegative()) {
      errors.add("min_gc_interval_when_hard_limited: " + GoDuration.format(minGcIntervalWhenHardLimited)
          + " (expected: >= 0)");
    }
    if (minGcIntervalWhenSoftLimited.compareTo(minGcIntervalWhenHardLimited) < 0) {
      errors.add("min_gc_interval_when_soft_limited: " + GoDuration.format(minGcIntervalWhenSoftLimited)
          + " (expected: >= min_gc_interval_when_hard_limited, " + GoDuration.format(minGcIntervalWhenHardLimited)
          + ")");
    }
    int before = errors.size();
    range(errors, "limit_mib", limitMib, UINT32_MAX);
    range(errors, "spike_limit_mib", spikeLimitMib, UINT32_MAX);
    range(errors, "limit_percentage", limitPercentage, 100);
    range(errors, "spike_limit_percentage", spikeLimitPercentage, 100);
    if (errors.size() > before) {
      return errors;
    }
    if (limitMib == 0 && limitPercentage == 0) {
      errors.add("limit_mib: 0 (expected: limit_mib or limit_percentage greater than 0)");
    } else if (limitMib > 0 && limitPercentage > 0) {
      errors.add("limit_percentage: " + limitPercentage + " (expected: unset when limit_mib is set;"
          + " give the limit in exactly one form)");
    } else if (limitMib > 0) {
      if (spikeLimitPercentage > 0) {
        errors.add("spike_limit_percentage: " + spikeLimitPercentage
            + " (expected: spike_limit_mib, since the limit is given as limit_mib)");
      }
      if (spikeLimitMib >= limitMib) {
        errors.add("spike_limit_mib: " + spikeLimitMib + " (expected: < limit_mib, " + limitMib + ")");
      }
    } else {
      if (spikeLimitMib > 0) {
        errors.add("spike_limit_mib: " + spikeLimitMib
            + " (expected: spike_limit_percentage, since the limit is given as limit_percentage)");
      }
      if (spikeLimitPercentage >= limitPercentage) {
        errors.add("spike_limit_percentage: " + spikeLimitPercentage + " (expected: < limit_percentage, "
            + limitPercentage + ")");
      }
    }
    return errors;
  }

  private static void range(List<String> errors, String key, long value, long max) {
    if (value < 0 || value > max) {
      errors.add(key + ": " + value + " (expected: 0 to " + max + ")");
    }
  }
}
