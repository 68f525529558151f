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

  /**
   * Splits {@code traces} into one batch per trace, in the order the IDs first appear. A batch of
   * a tenant is keyed by the trace ID followed by a newline and the tenant, so that traces of
   * different tenants that share an ID never mix; without a tenant, by the trace ID alone.
   */
  static Map<ByteString, Traces> byTrace(Traces traces) {
    ByteString suffix = traces.tenant().isEmpty() ? ByteString.EMPTY : ByteString.copyFromUtf8("\n" + traces.tenant());
    Map<ByteString, Traces.Builder> builders = new LinkedHashMap<>();
    for (ResourceSpans rs : traces.resourceSpans()) {
      // Headers without children, built once per group, keep the builder on its cheap path.
      ResourceSpans resourceHeader = rs.toBuilder().clearScopeSpans().build();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans scopeHeader = ss.toBuilder().clearSpans().build();
        for (Span span : ss.getSpansList()) {
          builders.computeIfAbsent(span.getTraceId().concat(suffix), k -> Traces.builder())
              .add(resourceHeader, scopeHeader, span);
        }
      }
    }
    Map<ByteString, Traces> out = new LinkedHashMap<>(builders.size() * 4 / 3 + 1);
    builders.forEach((id, b) -> out.put(id, b.build().withTenant(traces.tenant())));
    return out;
  }

  /** The trace ID of a batch {@link #byTrace} made: that of its first span. */
  static ByteString traceId(Traces piece) {
    return piece.resourceSpans().get(0).getScopeSpans(0).getSpans(0).getTraceId();
  }

  /** Joins {@code pieces} into one batch per tenant, in the order the tenants first appear. */
  static List<Traces> mergeByTenant(List<Traces> pieces) {
    Map<String, List<Traces>> byTenant = new LinkedHashMap<>();
    for (Traces piece : pieces) {
      byTenant.computeIfAbsent(piece.tenant(), k -> new ArrayList<>()).add(piece);
    }
    List<Traces> out = new ArrayList<>(byTenant.size());
    byTenant.forEach((tenant, list) -> out.add(merge(list).withTenant(tenant)));
    return out;
  }

  /** Joins {@code pieces}, all of one tenant, into one batch, merging equal resource and scope groups. */
  private static Traces merge(List<Traces> pieces) {
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
