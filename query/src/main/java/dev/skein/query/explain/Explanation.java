package dev.skein.query.explain;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import dev.skein.storage.analytics.Baseline;
import java.util.List;

/**
 * Why a trace took as long as it did, and where it failed. Offsets and durations are in
 * nanoseconds; offsets count from the trace's first span start.
 *
 * @param durationNanos from the first span's start to the last span's end
 * @param rootService the service of the root whose end the critical path explains (the longest
 *     root when there are several), or null for an empty trace
 * @param spans every span, ordered by start time, then depth
 * @param criticalPath the sections of the critical path, in time order
 * @param causes the likely causes, most likely first
 */
public record Explanation(String traceId, long startNanos, long durationNanos, int spanCount,
    @Nullable String rootService, @Nullable String rootOperation, List<ExplainedSpan> spans,
    List<Section> criticalPath, int errorCount, @Nullable ErrorOrigin errorOrigin, List<Cause> causes,
    List<String> warnings) {
  public Explanation {
    requireNonNull(traceId, "traceId");
    spans = List.copyOf(spans);
    criticalPath = List.copyOf(criticalPath);
    causes = List.copyOf(causes);
    warnings = List.copyOf(warnings);
  }

  /**
   * One span.
   *
   * @param parentSpanId the stored parent, or null for a root
   * @param selfNanos the span's duration minus the union of its children's intervals
   * @param criticalNanos the time this span itself accounts for on the critical path
   * @param onCriticalPath whether the critical path goes through this span (possibly for no time)
   * @param baseline the span's operation over the baseline window, or null without one
   */
  public record ExplainedSpan(String spanId, @Nullable String parentSpanId, String service, String operation,
      long startOffsetNanos, long durationNanos, long selfNanos, long criticalNanos, boolean onCriticalPath,
      boolean error, @Nullable Baseline baseline) {}

  /** A part of the critical path that one span accounts for, [start, end) as offsets. */
  public record Section(String spanId, String service, String operation, long startOffsetNanos,
      long endOffsetNanos) {}

  /** The deepest span with status ERROR (the earliest of equally deep ones). */
  public record ErrorOrigin(String spanId, String service, String operation, String statusMessage,
      @Nullable RecordedException exception) {}

  /** The attributes of an {@code exception} span event; absent attributes are empty. */
  public record RecordedException(String type, String message, String stacktrace) {}

  /**
   * A likely cause.
   *
   * @param score from 0 to 1: the share of the request the cause explains, weighted by how
   *     unusual it is (docs/explain.md)
   * @param text one sentence naming the service and operation, with numbers
   */
  public record Cause(Kind kind, String spanId, String service, String operation, double score, String text) {}

  /** The kinds of cause, in the order they win ties. */
  public enum Kind {
    TIMEOUT("timeout"),
    ERROR("error"),
    SLOW_SPAN("slow_span"),
    FAN_OUT("fan_out"),
    GAP("gap");

    private final String json;

    Kind(String json) {
      this.json = json;
    }

    /** The name used in the API. */
    public String json() {
      return json;
    }
  }
}
