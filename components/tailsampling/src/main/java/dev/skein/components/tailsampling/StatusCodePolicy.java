package dev.skein.components.tailsampling;

import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Samples a trace when any of its spans has one of the configured status codes. */
final class StatusCodePolicy implements Policy {
  private final Set<StatusCode> codes = EnumSet.noneOf(StatusCode.class);

  /** {@code names} are validated: each is ERROR, OK or UNSET. */
  StatusCodePolicy(List<String> names) {
    for (String n : names) {
      codes.add(StatusCode.valueOf("STATUS_CODE_" + n));
    }
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return Conditions.anySpan(trace, span -> codes.contains(span.getStatus().getCode()));
  }
}
