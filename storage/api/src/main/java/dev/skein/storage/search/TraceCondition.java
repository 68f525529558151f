package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A condition on a whole trace, built from conditions on its spans. Different
 * {@link HasSpan} conditions may be met by different spans of the trace.
 */
public sealed interface TraceCondition
    permits TraceCondition.HasSpan, TraceCondition.AllOf, TraceCondition.AnyOf {

  static TraceCondition hasSpan(SpanCondition condition) {
    return new HasSpan(condition);
  }

  static TraceCondition allOf(List<TraceCondition> conditions) {
    return conditions.size() == 1 ? conditions.get(0) : new AllOf(conditions);
  }

  static TraceCondition anyOf(List<TraceCondition> conditions) {
    return conditions.size() == 1 ? conditions.get(0) : new AnyOf(conditions);
  }

  /** At least one stored span of the trace meets the condition. */
  record HasSpan(SpanCondition condition) implements TraceCondition {
    public HasSpan {
      requireNonNull(condition, "condition");
    }

    @Override
    public String toString() {
      return "{ " + condition + " }";
    }
  }

  /** Every one of the conditions holds; of nothing, true. */
  record AllOf(List<TraceCondition> conditions) implements TraceCondition {
    public AllOf {
      conditions = List.copyOf(conditions);
    }

    @Override
    public String toString() {
      return conditions.isEmpty() ? "true" : "(" + String.join(" && ",
          conditions.stream().map(Object::toString).toArray(String[]::new)) + ")";
    }
  }

  /** At least one of the conditions holds; of nothing, false. */
  record AnyOf(List<TraceCondition> conditions) implements TraceCondition {
    public AnyOf {
      conditions = List.copyOf(conditions);
    }

    @Override
    public String toString() {
      return conditions.isEmpty() ? "false" : "(" + String.join(" || ",
          conditions.stream().map(Object::toString).toArray(String[]::new)) + ")";
    }
  }
}
