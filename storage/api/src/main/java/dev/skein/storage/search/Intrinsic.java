package dev.skein.storage.search;

/**
 * A field every span has. The trace-level ones ({@link #TRACE_DURATION}, {@link #ROOT_SERVICE},
 * {@link #ROOT_NAME}) have the same value for every span of a trace.
 */
public enum Intrinsic implements Field {
  /** The {@code service.name} of the span's resource ({@code unknown_service} when it has none); a string. */
  SERVICE("resource.service.name", ValueKind.STRING),
  /** The span name (Jaeger's operation); a string. */
  NAME("name", ValueKind.STRING),
  /** The span kind; compared with {@link Value.Kind}. */
  KIND("kind", ValueKind.KIND),
  /** The status code; compared with {@link Value.Status}. */
  STATUS("status", ValueKind.STATUS),
  /** The status message; a string, empty when not set. */
  STATUS_MESSAGE("statusMessage", ValueKind.STRING),
  /** End minus start time of the span; compared with {@link Value.Nanos}. */
  DURATION("duration", ValueKind.DURATION),
  /**
   * The names of the span's events. A comparison holds when it holds for the name of at least one
   * event, so a span without events matches no comparison; {@link SpanCondition.Exists} holds
   * when the span has an event.
   */
  EVENT_NAME("event:name", ValueKind.STRING),
  /** The latest end minus the earliest start of any stored span of the trace. */
  TRACE_DURATION("trace:duration", ValueKind.DURATION),
  /**
   * The service of the trace's root span (the earliest-starting span without a parent). Absent
   * while no root span is stored: then no comparison holds and {@link SpanCondition.Exists} is false.
   */
  ROOT_SERVICE("trace:rootService", ValueKind.STRING),
  /** The name of the trace's root span; absent like {@link #ROOT_SERVICE}. */
  ROOT_NAME("trace:rootName", ValueKind.STRING);

  private final String traceQl;
  private final ValueKind kind;

  Intrinsic(String traceQl, ValueKind kind) {
    this.traceQl = traceQl;
    this.kind = kind;
  }

  /** The kind of value this field is compared with. */
  public ValueKind valueKind() {
    return kind;
  }

  /** Whether the value is the same for every span of a trace. */
  public boolean isTraceLevel() {
    return this == TRACE_DURATION || this == ROOT_SERVICE || this == ROOT_NAME;
  }

  @Override
  public String toString() {
    return traceQl;
  }

  /** The kinds of values intrinsics hold. */
  public enum ValueKind {
    STRING,
    KIND,
    STATUS,
    DURATION
  }
}
