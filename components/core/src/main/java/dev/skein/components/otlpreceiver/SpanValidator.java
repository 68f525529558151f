package dev.skein.components.otlpreceiver;

import dev.skein.model.Hex;
import dev.skein.model.Ids;
import dev.skein.model.Traces;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops spans that the OTLP specification calls invalid (a trace ID that is not 16 bytes or is all
 * zeros, a span ID that is not 8 bytes or is all zeros, a parent span ID that is neither empty nor
 * a valid span ID) and describes them for {@code partial_success}.
 */
final class SpanValidator {
  private static final int MAX_REASONS = 3;

  private SpanValidator() {}

  /** The spans kept, how many were dropped and why. */
  record Result(Traces accepted, long rejected, String message) {}

  static Result validate(ExportTraceServiceRequest request) {
    List<String> reasons = new ArrayList<>();
    long rejected = 0;
    List<ResourceSpans> out = null;
    for (int r = 0; r < request.getResourceSpansCount(); r++) {
      ResourceSpans rs = request.getResourceSpans(r);
      ResourceSpans.Builder rb = null;
      for (int s = 0; s < rs.getScopeSpansCount(); s++) {
        ScopeSpans ss = rs.getScopeSpans(s);
        ScopeSpans.Builder sb = null;
        for (int i = 0; i < ss.getSpansCount(); i++) {
          Span span = ss.getSpans(i);
          String problem = problem(span);
          if (problem == null) {
            if (sb != null) {
              sb.addSpans(span);
            }
            continue;
          }
          rejected++;
          if (reasons.size() < MAX_REASONS) {
            reasons.add("resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]." + problem);
          }
          if (sb == null) {
            sb = ss.toBuilder().clearSpans().addAllSpans(ss.getSpansList().subList(0, i));
          }
        }
        if (sb != null && rb == null) {
          rb = rs.toBuilder().clearScopeSpans().addAllScopeSpans(rs.getScopeSpansList().subList(0, s));
        }
        if (rb != null) {
          rb.addScopeSpans(sb != null ? sb.build() : ss);
        }
      }
      if (rb != null && out == null) {
        out = new ArrayList<>(request.getResourceSpansList().subList(0, r));
      }
      if (out != null) {
        out.add(rb != null ? rb.build() : rs);
      }
    }
    if (rejected == 0) {
      return new Result(Traces.of(request.getResourceSpansList()), 0, "");
    }
    String message = rejected + " invalid span" + (rejected == 1 ? "" : "s") + " rejected: "
        + String.join("; ", reasons) + (rejected > reasons.size() ? "; ..." : "");
    return new Result(Traces.of(out), rejected, message);
  }

  private static String problem(Span span) {
    if (!Ids.isValidTraceId(span.getTraceId())) {
      return "traceId: \"" + Hex.encode(span.getTraceId()) + "\" (expected: 16 bytes, not all zero; got "
          + span.getTraceId().size() + " bytes)";
    }
    if (!Ids.isValidSpanId(span.getSpanId())) {
      return "spanId: \"" + Hex.encode(span.getSpanId()) + "\" (expected: 8 bytes, not all zero; got "
          + span.getSpanId().size() + " bytes)";
    }
    if (!span.getParentSpanId().isEmpty() && !Ids.isValidSpanId(span.getParentSpanId())) {
      return "parentSpanId: \"" + Hex.encode(span.getParentSpanId())
          + "\" (expected: empty, or 8 bytes not all zero; got " + span.getParentSpanId().size() + " bytes)";
    }
    return null;
  }
}
