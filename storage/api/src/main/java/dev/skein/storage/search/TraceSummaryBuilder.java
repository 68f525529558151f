package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes a {@link TraceSummary} span by span, so a backend can keep summaries up to date as
 * spans arrive in any order and in any number of batches. The caller adds each distinct span once.
 *
 * <p>The root span is the span without a parent that starts first; ties go to the smaller span ID
 * (as hex), then service, then name, so every backend picks the same one. Not thread-safe.
 */
public final class TraceSummaryBuilder {
  private final TraceId traceId;
  private long start = Long.MAX_VALUE;
  private long end = Long.MIN_VALUE;
  private int spans;
  private int errors;
  private final Map<String, Integer> services = new TreeMap<>();
  private @Nullable String rootService;
  private @Nullable String rootName;
  private long rootStart;
  private String rootSpanId = "";

  public TraceSummaryBuilder(TraceId traceId) {
    this.traceId = requireNonNull(traceId, "traceId");
  }

  /**
   * Continues from a summary made earlier, whose root span (if any) started at {@code rootStart}
   * and has {@code rootSpanId}.
   */
  public static TraceSummaryBuilder resume(TraceSummary summary, long rootStart, String rootSpanId) {
    TraceSummaryBuilder b = new TraceSummaryBuilder(summary.traceId());
    if (summary.spanCount() > 0) {
      b.start = summary.startNanos();
      b.end = summary.startNanos() + summary.durationNanos();
    }
    b.spans = summary.spanCount();
    b.errors = summary.errorCount();
    b.services.putAll(summary.spansByService());
    b.rootService = summary.rootService();
    b.rootName = summary.rootName();
    b.rootStart = rootStart;
    b.rootSpanId = requireNonNull(rootSpanId, "rootSpanId");
    return b;
  }

  /** The summary of the spans of {@code traceId} in {@code traces}; identical spans count once. */
  public static TraceSummary of(TraceId traceId, Traces traces) {
    TraceSummaryBuilder b = new TraceSummaryBuilder(traceId);
    Set<List<Object>> seen = new HashSet<>();
    traces.forEachSpan((rs, ss, span) -> {
      if (span.getTraceId().equals(traceId.bytes()) && seen.add(List.of(header(rs), header(ss), span))) {
        b.add(Resources.serviceName(rs.getResource()), span);
      }
    });
    return b.build();
  }

  /** Counts {@code span} of {@code service}. */
  public TraceSummaryBuilder add(String service, Span span) {
    requireNonNull(service, "service");
    long s = span.getStartTimeUnixNano();
    long e = span.getEndTimeUnixNano();
    start = Math.min(start, s);
    end = Math.max(end, e);
    spans++;
    if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      errors++;
    }
    services.merge(service, 1, Integer::sum);
    if (span.getParentSpanId().isEmpty()) {
      String id = Hex.encode(span.getSpanId());
      if (rootService == null || isEarlier(s, id, service, span.getName())) {
        rootService = service;
        rootName = span.getName();
        rootStart = s;
        rootSpanId = id;
      }
    }
    return this;
  }

  /** The start time of the root span so far; meaningless while there is none. */
  public long rootStartNanos() {
    return rootStart;
  }

  /** The hex span ID of the root span so far, or empty while there is none. */
  public String rootSpanId() {
    return rootSpanId;
  }

  public TraceSummary build() {
    if (spans == 0) {
      return new TraceSummary(traceId, null, null, 0, 0, 0, 0, Map.of());
    }
    return new TraceSummary(traceId, rootService, rootName, start, end - start, spans, errors, services);
  }

  private boolean isEarlier(long s, String id, String service, String name) {
    if (s != rootStart) {
      return s < rootStart;
    }
    int c = id.compareTo(rootSpanId);
    if (c == 0) {
      c = service.compareTo(rootService);
    }
    if (c == 0) {
      c = name.compareTo(rootName);
    }
    return c < 0;
  }

  static ResourceSpans header(ResourceSpans rs) {
    return rs.getScopeSpansCount() == 0 ? rs : rs.toBuilder().clearScopeSpans().build();
  }

  static ScopeSpans header(ScopeSpans ss) {
    return ss.getSpansCount() == 0 ? ss : ss.toBuilder().clearSpans().build();
  }
}
