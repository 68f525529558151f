package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Resources;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * Evaluates conditions in Java, exactly as {@link SpanCondition} and {@link TraceCondition}
 * define them. Backends that hold spans in memory use it, and the query layer uses it on the
 * traces a backend returns. Thread-safe.
 */
public final class SpanMatcher {
  private SpanMatcher() {}

  /**
   * Whether the span meets {@code condition}.
   *
   * @param trace the summary of the span's trace, for the trace-level intrinsics
   * @throws RegexBudgetExceededException when regular expressions run past {@code budget}
   */
  public static boolean matches(SpanCondition condition, Resource resource, Span span,
      TraceSummary trace, RegexBudget budget) {
    requireNonNull(condition, "condition");
    if (condition instanceof SpanCondition.All) {
      for (SpanCondition c : ((SpanCondition.All) condition).conditions()) {
        if (!matches(c, resource, span, trace, budget)) {
          return false;
        }
      }
      return true;
    }
    if (condition instanceof SpanCondition.Any) {
      for (SpanCondition c : ((SpanCondition.Any) condition).conditions()) {
        if (matches(c, resource, span, trace, budget)) {
          return true;
        }
      }
      return false;
    }
    if (condition instanceof SpanCondition.Not) {
      return !matches(((SpanCondition.Not) condition).condition(), resource, span, trace, budget);
    }
    if (condition instanceof SpanCondition.Exists) {
      return exists(((SpanCondition.Exists) condition).field(), resource, span, trace);
    }
    return compare((SpanCondition.Compare) condition, resource, span, trace, budget);
  }

  /**
   * Whether the trace made of {@code spans} meets {@code condition}.
   *
   * @param spans the spans of one trace, with their resources
   * @param trace the summary of that trace
   */
  public static boolean matches(TraceCondition condition, Traces spans, TraceSummary trace,
      RegexBudget budget) {
    requireNonNull(condition, "condition");
    if (condition instanceof TraceCondition.AllOf) {
      for (TraceCondition c : ((TraceCondition.AllOf) condition).conditions()) {
        if (!matches(c, spans, trace, budget)) {
          return false;
        }
      }
      return true;
    }
    if (condition instanceof TraceCondition.AnyOf) {
      for (TraceCondition c : ((TraceCondition.AnyOf) condition).conditions()) {
        if (matches(c, spans, trace, budget)) {
          return true;
        }
      }
      return false;
    }
    SpanCondition span = ((TraceCondition.HasSpan) condition).condition();
    for (ResourceSpans rs : spans.resourceSpans()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          if (matches(span, rs.getResource(), s, trace, budget)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean exists(Field field, Resource resource, Span span, TraceSummary trace) {
    if (field instanceof Attribute) {
      Attribute a = (Attribute) field;
      return (a.scope() != TagScope.RESOURCE && has(span.getAttributesList(), a.key()))
          || (a.scope() != TagScope.SPAN && has(resource.getAttributesList(), a.key()));
    }
    switch ((Intrinsic) field) {
      case EVENT_NAME: return span.getEventsCount() > 0;
      case ROOT_SERVICE: return trace.rootService() != null;
      case ROOT_NAME: return trace.rootName() != null;
      default: return true;
    }
  }

  private static boolean has(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean compare(SpanCondition.Compare c, Resource resource, Span span,
      TraceSummary trace, RegexBudget budget) {
    if (c.field() instanceof Attribute) {
      Attribute a = (Attribute) c.field();
      return (a.scope() != TagScope.RESOURCE && compareAttributes(c, span.getAttributesList(), budget))
          || (a.scope() != TagScope.SPAN && compareAttributes(c, resource.getAttributesList(), budget));
    }
    switch ((Intrinsic) c.field()) {
      case SERVICE:
        return compareString(c, Resources.serviceName(resource), budget);
      case NAME:
        return compareString(c, span.getName(), budget);
      case STATUS_MESSAGE:
        return compareString(c, span.getStatus().getMessage(), budget);
      case EVENT_NAME:
        for (Span.Event e : span.getEventsList()) {
          if (compareString(c, e.getName(), budget)) {
            return true;
          }
        }
        return false;
      case ROOT_SERVICE:
        return trace.rootService() != null && compareString(c, trace.rootService(), budget);
      case ROOT_NAME:
        return trace.rootName() != null && compareString(c, trace.rootName(), budget);
      case KIND:
        return (enumNumber(span.getKindValue()) == ((Value.Kind) c.value()).value().getNumber())
            == (c.op() == Comparison.EQ);
      case STATUS:
        return (enumNumber(span.getStatus().getCodeValue()) == ((Value.Status) c.value()).value().getNumber())
            == (c.op() == Comparison.EQ);
      case DURATION:
        return c.op().test(Long.compare(span.getEndTimeUnixNano() - span.getStartTimeUnixNano(),
            ((Value.Nanos) c.value()).value()));
      default:
        return c.op().test(Long.compare(trace.durationNanos(), ((Value.Nanos) c.value()).value()));
    }
  }

  private static boolean compareAttributes(SpanCondition.Compare c, List<KeyValue> attributes,
      RegexBudget budget) {
    String key = ((Attribute) c.field()).key();
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key) && compareValue(c, kv.getValue(), budget)) {
        return true;
      }
    }
    return false;
  }

  private static boolean compareValue(SpanCondition.Compare c, AnyValue v, RegexBudget budget) {
    Value value = c.value();
    if (value instanceof Value.Text) {
      return compareString(c, AttributeValues.text(v), budget);
    }
    if (value instanceof Value.Str) {
      return v.getValueCase() == AnyValue.ValueCase.STRING_VALUE && compareString(c, v.getStringValue(), budget);
    }
    if (value instanceof Value.Bool) {
      return v.getValueCase() == AnyValue.ValueCase.BOOL_VALUE
          && (v.getBoolValue() == ((Value.Bool) value).value()) == (c.op() == Comparison.EQ);
    }
    if (v.getValueCase() == AnyValue.ValueCase.INT_VALUE) {
      if (value instanceof Value.Int) {
        return c.op().test(Long.compare(v.getIntValue(), ((Value.Int) value).value()));
      }
      return c.op().test(compareDoubles(v.getIntValue(), ((Value.Dbl) value).value()));
    }
    if (v.getValueCase() == AnyValue.ValueCase.DOUBLE_VALUE && !Double.isNaN(v.getDoubleValue())) {
      double other = value instanceof Value.Int ? ((Value.Int) value).value() : ((Value.Dbl) value).value();
      return c.op().test(compareDoubles(v.getDoubleValue(), other));
    }
    return false;
  }

  /**
   * An enum number as backends store it: numbers no version of OTLP can define (outside 0..127)
   * are read as 0, the unspecified value.
   */
  public static int enumNumber(int value) {
    return value >= 0 && value <= Byte.MAX_VALUE ? value : 0;
  }

  /** Compares as SQL does: -0.0 equals 0.0. */
  private static int compareDoubles(double a, double b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  private static boolean compareString(SpanCondition.Compare c, String actual, RegexBudget budget) {
    switch (c.op()) {
      case EQ:
        return actual.equals(stringOf(c.value()));
      case NE:
        return !actual.equals(stringOf(c.value()));
      case MATCHES:
        return budget.matches(c.pattern(), actual);
      case NOT_MATCHES:
        return !budget.matches(c.pattern(), actual);
      default:
        throw new IllegalStateException("checked when the condition was made: " + c);
    }
  }

  private static String stringOf(Value v) {
    return v instanceof Value.Str ? ((Value.Str) v).value() : ((Value.Text) v).value();
  }
}
