package dev.skein.components.tailsampling;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * Samples a trace when a resource or span has the integer attribute {@code key} within
 * [{@code min_value}, {@code max_value}]; a missing bound is open.
 */
final class NumericAttributePolicy implements Policy {
  private final String key;
  private final long min;
  private final long max;
  private final boolean invert;

  NumericAttributePolicy(String key, long min, long max, boolean invert) {
    this.key = key;
    this.min = min;
    this.max = max;
    this.invert = invert;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return invert
        ? Conditions.noResourceOrSpan(trace, r -> inRange(r.getAttributesList()), s -> inRange(s.getAttributesList()))
        : Conditions.anyResourceOrSpan(trace, r -> inRange(r.getAttributesList()), s -> inRange(s.getAttributesList()));
  }

  private boolean inRange(List<KeyValue> attributes) {
    AnyValue v = Conditions.attribute(attributes, key);
    return v != null && v.getValueCase() == AnyValue.ValueCase.INT_VALUE
        && v.getIntValue() >= min && v.getIntValue() <= max;
  }
}
