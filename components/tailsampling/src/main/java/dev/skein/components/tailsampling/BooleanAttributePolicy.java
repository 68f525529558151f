package dev.skein.components.tailsampling;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Samples a trace when a resource or span has the boolean attribute {@code key} equal to {@code value}. */
final class BooleanAttributePolicy implements Policy {
  private final String key;
  private final boolean value;
  private final boolean invert;

  BooleanAttributePolicy(String key, boolean value, boolean invert) {
    this.key = key;
    this.value = value;
    this.invert = invert;
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return invert
        ? Conditions.noResourceOrSpan(trace, r -> equal(r.getAttributesList()), s -> equal(s.getAttributesList()))
        : Conditions.anyResourceOrSpan(trace, r -> equal(r.getAttributesList()), s -> equal(s.getAttributesList()));
  }

  private boolean equal(List<KeyValue> attributes) {
    AnyValue v = Conditions.attribute(attributes, key);
    return v != null && v.getValueCase() == AnyValue.ValueCase.BOOL_VALUE && v.getBoolValue() == value;
  }
}
