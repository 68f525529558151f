package dev.skein.components.tailsampling;

import dev.skein.model.Nullable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Samples a trace when any span's W3C {@code tracestate} has {@code key} with one of the values.
 * Values that could not fit in a tracestate entry (256 characters with the key and "=") are
 * ignored, as in the Collector.
 */
final class TraceStatePolicy implements Policy {
  private final String key;
  private final Set<String> values = new HashSet<>();

  TraceStatePolicy(String key, List<String> values) {
    this.key = key;
    for (String v : values) {
      if (!v.isEmpty() && key.length() + v.length() < 256) {
        this.values.add(v);
      }
    }
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return Conditions.anySpan(trace, span -> {
      String v = valueOf(span.getTraceState(), key);
      return v != null && values.contains(v);
    });
  }

  /** Returns the value of {@code key} in a {@code k1=v1,k2=v2} list, if present. */
  static @Nullable String valueOf(String traceState, String key) {
    for (String member : traceState.split(",")) {
      String m = member.strip();
      int eq = m.indexOf('=');
      if (eq > 0 && m.substring(0, eq).equals(key)) {
        return m.substring(eq + 1);
      }
    }
    return null;
  }
}
