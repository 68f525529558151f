package dev.skein.components.tailsampling;

import dev.skein.model.Hex;
import dev.skein.pipeline.Telemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Combines the top-level policies into the final decision, as the Collector does: a {@code drop}
 * match or an inverted "not sampled" keeps the trace out; otherwise a "sampled" from any policy
 * keeps it; otherwise an inverted "sampled" keeps it unless some policy said "not sampled".
 * Drop policies are evaluated first. Not thread-safe: the processor calls it from one thread at a
 * time.
 */
final class Sampler {
  private static final Logger log = LoggerFactory.getLogger(Sampler.class);

  private record Named(String name, Policy policy) {}

  private final List<Named> policies = new ArrayList<>();
  private final boolean sampleOnFirstMatch;
  private final Telemetry telemetry;

  Sampler(List<PolicyConfig> configs, boolean sampleOnFirstMatch, LongSupplier nanoClock, Telemetry telemetry) {
    List<Named> others = new ArrayList<>();
    for (PolicyConfig c : configs) {
      Named n = new Named(c.name, Policies.create(c, nanoClock));
      if (PolicyType.of(c.type).orElseThrow() == PolicyType.DROP) {
        policies.add(n);
      } else {
        others.add(n);
      }
    }
    policies.addAll(others);
    this.sampleOnFirstMatch = sampleOnFirstMatch;
    this.telemetry = telemetry;
  }

  boolean sample(TraceData trace) {
    boolean sampled = false;
    boolean notSampled = false;
    boolean invertSampled = false;
    boolean invertNotSampled = false;
    for (Named p : policies) {
      Decision d;
      try {
        d = p.policy().evaluate(trace);
      } catch (RuntimeException e) {
        // One broken policy must not stop the others from deciding, nor the decision thread.
        telemetry.add(TailSamplingProcessor.METRIC_PREFIX + "sampling_policy_evaluation_error", "policy", p.name(), 1);
        log.debug("tail_sampling policy \"{}\" failed on trace {}", p.name(), Hex.encode(trace.traceId()), e);
        continue;
      }
      switch (d) {
        case DROPPED:
          return false;
        case SAMPLED:
          sampled = true;
          break;
        case NOT_SAMPLED:
          notSampled = true;
          break;
        case INVERT_SAMPLED:
          invertSampled = true;
          break;
        default:
          invertNotSampled = true;
          break;
      }
      if (sampleOnFirstMatch && d == Decision.SAMPLED) {
        break;
      }
    }
    if (invertNotSampled) {
      return false;
    }
    return sampled || (invertSampled && !notSampled);
  }
}
