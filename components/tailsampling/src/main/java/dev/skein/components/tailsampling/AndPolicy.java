package dev.skein.components.tailsampling;

import java.util.List;

/**
 * Samples a trace when every sub-policy does (inverted matches count as their plain meaning).
 * Evaluation stops at the first sub-policy that does not sample, so later stateful sub-policies
 * such as rate limiters spend nothing on traces an earlier one rejected.
 */
final class AndPolicy implements Policy {
  private final List<Policy> subPolicies;
  private final Decision onMatch;

  private AndPolicy(List<Policy> subPolicies, Decision onMatch) {
    this.subPolicies = List.copyOf(subPolicies);
    this.onMatch = onMatch;
  }

  static AndPolicy and(List<Policy> subPolicies) {
    return new AndPolicy(subPolicies, Decision.SAMPLED);
  }

  /** The {@code drop} policy: when every sub-policy matches, the trace is dropped whatever else samples it. */
  static AndPolicy drop(List<Policy> subPolicies) {
    return new AndPolicy(subPolicies, Decision.DROPPED);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    for (Policy p : subPolicies) {
      if (!p.evaluate(trace).matches()) {
        return Decision.NOT_SAMPLED;
      }
    }
    return onMatch;
  }
}
