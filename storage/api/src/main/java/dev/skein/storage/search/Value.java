package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.time.Duration;

/**
 * A typed value a field is compared with. Attribute comparisons are typed as in TraceQL:
 * {@link Str} matches string attributes, {@link Int} and {@link Dbl} match integer and double
 * attributes (compared as numbers), {@link Bool} matches booleans. {@link Text} is the exception,
 * for Jaeger's tag search: it compares the text form of an attribute of any type (see
 * {@link AttributeValues#text}).
 */
public sealed interface Value
    permits Value.Str, Value.Text, Value.Int, Value.Dbl, Value.Bool, Value.Nanos, Value.Kind, Value.Status {

  /** A string. */
  static Str string(String value) {
    return new Str(value);
  }

  /** The text form of an attribute value of any type. */
  static Text text(String value) {
    return new Text(value);
  }

  /** A 64-bit integer. */
  static Int integer(long value) {
    return new Int(value);
  }

  /** A double; NaN is refused because it orders differently in every engine. */
  static Dbl decimal(double value) {
    return new Dbl(value);
  }

  static Bool bool(boolean value) {
    return new Bool(value);
  }

  /** A duration, with nanosecond precision. */
  static Nanos duration(Duration value) {
    return new Nanos(value.toNanos());
  }

  static Kind kind(Span.SpanKind value) {
    return new Kind(value);
  }

  static Status status(StatusCode value) {
    return new Status(value);
  }

  /** A string value, compared with string attributes and string intrinsics. */
  record Str(String value) implements Value {
    public Str {
      requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return '"' + value + '"';
    }
  }

  /** The text form of an attribute of any type, as Jaeger compares tags. */
  record Text(String value) implements Value {
    public Text {
      requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "text(\"" + value + "\")";
    }
  }

  record Int(long value) implements Value {
    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  record Dbl(double value) implements Value {
    public Dbl {
      if (Double.isNaN(value)) {
        throw new IllegalArgumentException("value: NaN (expected: a number)");
      }
    }

    @Override
    public String toString() {
      return Double.toString(value);
    }
  }

  record Bool(boolean value) implements Value {
    @Override
    public String toString() {
      return Boolean.toString(value);
    }
  }

  /** A duration in nanoseconds. */
  record Nanos(long value) implements Value {
    @Override
    public String toString() {
      return value + "ns";
    }
  }

  record Kind(Span.SpanKind value) implements Value {
    public Kind {
      requireNonNull(value, "value");
      if (value == Span.SpanKind.UNRECOGNIZED) {
        throw new IllegalArgumentException("value: UNRECOGNIZED (expected: a span kind)");
      }
    }

    @Override
    public String toString() {
      return value.name();
    }
  }

  record Status(StatusCode value) implements Value {
    public Status {
      requireNonNull(value, "value");
      if (value == StatusCode.UNRECOGNIZED) {
        throw new IllegalArgumentException("value: UNRECOGNIZED (expected: a status code)");
      }
    }

    @Override
    public String toString() {
      return value.name();
    }
  }
}
