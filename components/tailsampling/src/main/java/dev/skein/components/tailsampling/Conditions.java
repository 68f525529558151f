package dev.skein.components.tailsampling;

import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.function.Predicate;

/** The Collector's ways of turning per-resource and per-span conditions into a decision. */
final class Conditions {
  private Conditions() {}

  /** Sampled when any span meets {@code matches}. */
  static Decision anySpan(TraceData trace, Predicate<Span> matches) {
    for (Traces piece : trace.pieces()) {
      for (ResourceSpans rs : piece.resourceSpans()) {
        if (anySpanIn(rs, matches)) {
          return Decision.SAMPLED;
        }
      }
    }
    return Decision.NOT_SAMPLED;
  }

  /** Sampled when any resource or any span meets its condition. */
  static Decision anyResourceOrSpan(TraceData trace, Predicate<Resource> resourceMatches, Predicate<Span> spanMatches) {
    for (Traces piece : trace.pieces()) {
      for (ResourceSpans rs : piece.resourceSpans()) {
        if (resourceMatches.test(rs.getResource()) || anySpanIn(rs, spanMatches)) {
          return Decision.SAMPLED;
        }
      }
    }
    return Decision.NOT_SAMPLED;
  }

  /**
   * For {@code invert_match}: inverted "not sampled" when any resource or span meets its condition,
   * inverted "sampled" otherwise (including when no resource or span has the attribute at all).
   */
  static Decision noResourceOrSpan(TraceData trace, Predicate<Resource> resourceMatches, Predicate<Span> spanMatches) {
    return anyResourceOrSpan(trace, resourceMatches, spanMatches) == Decision.SAMPLED
        ? Decision.INVERT_NOT_SAMPLED : Decision.INVERT_SAMPLED;
  }

  private static boolean anySpanIn(ResourceSpans rs, Predicate<Span> matches) {
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      for (Span span : ss.getSpansList()) {
        if (matches.test(span)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Returns the value of the first attribute named {@code key}, if any. */
  static @Nullable AnyValue attribute(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }
}
