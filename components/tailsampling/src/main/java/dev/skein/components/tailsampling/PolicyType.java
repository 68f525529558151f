package dev.skein.components.tailsampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The policy types, by their YAML names, and where each may appear. */
enum PolicyType {
  ALWAYS_SAMPLE("always_sample"),
  LATENCY("latency"),
  NUMERIC_ATTRIBUTE("numeric_attribute"),
  PROBABILISTIC("probabilistic"),
  STATUS_CODE("status_code"),
  STRING_ATTRIBUTE("string_attribute"),
  RATE_LIMITING("rate_limiting"),
  SPAN_COUNT("span_count"),
  BOOLEAN_ATTRIBUTE("boolean_attribute"),
  TRACE_STATE("trace_state"),
  AND("and"),
  DROP("drop"),
  COMPOSITE("composite");

  /** Collector policy types that Skein does not implement, named so the error can say so. */
  static final Set<String> NOT_IMPLEMENTED =
      Set.of("ottl_condition", "bytes_limiting", "not", "trace_flags", "skip");

  private final String yaml;

  PolicyType(String yaml) {
    this.yaml = yaml;
  }

  String yaml() {
    return yaml;
  }

  static Optional<PolicyType> of(String yaml) {
    for (PolicyType t : values()) {
      if (t.yaml.equals(yaml)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * Where a policy is declared. As in the Collector, {@code and} and {@code drop} take only simple
   * policies, and {@code composite} takes simple policies and {@code and}.
   */
  enum Level {
    TOP, COMPOSITE_SUB, AND_SUB;

    boolean allows(PolicyType t) {
      switch (this) {
        case TOP:
          return true;
        case COMPOSITE_SUB:
          return t != COMPOSITE && t != DROP;
        default:
          return t != COMPOSITE && t != DROP && t != AND;
      }
    }

    List<String> allowedNames() {
      List<String> out = new ArrayList<>();
      for (PolicyType t : PolicyType.values()) {
        if (allows(t)) {
          out.add(t.yaml);
        }
      }
      return out;
    }
  }

}
