package dev.skein.components.tailsampling;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Collector's {@code tail_sampling} processor settings, with its defaults. */
final class TailSamplingConfig implements ComponentConfig {
  /** How long after the first span of a trace its policies are evaluated. */
  Duration decisionWait = Duration.ofSeconds(30);
  /** The most traces held in memory, decided or not; the oldest is evicted first. */
  int numTraces = 50_000;
  /** Only sizes internal tables; 0 lets them grow from small. */
  long expectedNewTracesPerSec = 0;
  DecisionCacheConfig decisionCache = new DecisionCacheConfig();
  /** Stops evaluating at the first policy that samples (drop policies still run first). */
  boolean sampleOnFirstMatch = false;
  /** On shutdown, drops undecided traces instead of deciding them on the spans received so far. */
  boolean dropPendingTracesOnShutdown = false;
  List<PolicyConfig> policies = new ArrayList<>();

  /** LRU caches of decided trace IDs; a size of 0 disables a cache. */
  static final class DecisionCacheConfig {
    int sampledCacheSize = 0;
    int nonSampledCacheSize = 0;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (decisionWait.isNegative() || decisionWait.isZero()) {
      errors.add("decision_wait: " + GoDuration.format(decisionWait) + " (expected: > 0)");
    }
    if (numTraces <= 0) {
      errors.add("num_traces: " + numTraces + " (expected: > 0)");
    }
    if (expectedNewTracesPerSec < 0) {
      errors.add("expected_new_traces_per_sec: " + expectedNewTracesPerSec + " (expected: >= 0)");
    }
    if (decisionCache.sampledCacheSize < 0) {
      errors.add("decision_cache::sampled_cache_size: " + decisionCache.sampledCacheSize
          + " (expected: >= 0, where 0 disables the cache)");
    }
    if (decisionCache.nonSampledCacheSize < 0) {
      errors.add("decision_cache::non_sampled_cache_size: " + decisionCache.nonSampledCacheSize
          + " (expected: >= 0, where 0 disables the cache)");
    }
    if (policies.isEmpty()) {
      errors.add("policies: empty (expected: at least one policy, e.g. {name: all, type: always_sample})");
    }
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < policies.size(); i++) {
      String path = "policies[" + i + "]";
      PolicyConfig p = policies.get(i);
      if (p == null) {
        errors.add(path + ": empty (expected: a policy with a name and a type)");
        continue;
      }
      PolicyConfig.requireUniqueName(p, path, "policies", names, i, errors);
      p.validate(path, PolicyType.Level.TOP, errors);
    }
    return errors;
  }
}
