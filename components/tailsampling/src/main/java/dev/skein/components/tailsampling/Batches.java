package dev.skein.components.tailsampling;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Splits batches by trace and joins them again, keeping resource and scope groups. */
final class Batches {
  private Batches() {}

  /** Splits {@code traces} into one batch per trace ID, in the order the IDs first appear. */
  static Map<ByteString, Traces> byTrace(Traces traces) {
    Map<ByteString, Traces.Builder> builders = new LinkedHashMap<>();
    for (ResourceSpans rs : traces.resourceSpans()) {
      // Headers without children, built once per group, keep the builder on its cheap path.
      ResourceSpans resourceHeader = rs.toBuilder().clearScopeSpans().build();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans scopeHeader = ss.toBuilder().clearSpans().build();
        for (Span span : ss.getSpansList()) {
          builders.computeIfAbsent(span.getTraceId(), k -> Traces.builder()).add(resourceHeader, scopeHeader, span);
        }
      }
    }
    Map<ByteString, Traces> out = new LinkedHashMap<>(builders.size() * 4 / 3 + 1);
    builders.forEach((id, b) -> out.put(id, b.build()));
    return out;
  }

  /** Joins {@code pieces} into one batch, merging equal resource and scope groups. */
  static Traces merge(List<Traces> pieces) {
    if (pieces.size() == 1) {
      return pieces.get(0);
    }
    Map<ResourceSpans, Map<ScopeSpans, List<Span>>> groups = new LinkedHashMap<>();
    for (Traces piece : pieces) {
      for (ResourceSpans rs : piece.resourceSpans()) {
        Map<ScopeSpans, List<Span>> scopes =
            groups.computeIfAbsent(rs.toBuilder().clearScopeSpans().build(), k -> new LinkedHashMap<>());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          scopes.computeIfAbsent(ss.toBuilder().clearSpans().build(), k -> new ArrayList<>()).addAll(ss.getSpansList());
        }
      }
    }
    List<ResourceSpans> out = new ArrayList<>(groups.size());
    groups.forEach((rh, scopes) -> {
      ResourceSpans.Builder rb = rh.toBuilder();
      scopes.forEach((sh, spans) -> rb.addScopeSpans(sh.toBuilder().addAllSpans(spans)));
      out.add(rb.build());
    });
    return Traces.of(out);
  }
}
