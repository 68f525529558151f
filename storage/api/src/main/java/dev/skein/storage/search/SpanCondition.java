package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A condition on one span, its resource and its trace. Conditions are immutable values, checked
 * when they are made: a comparison that cannot mean anything (a regular expression on a
 * duration, {@code >} on a string) is refused with an {@link IllegalArgumentException}.
 *
 * <p>Every condition is true or false for a span, never unknown:
 * <ul>
 *   <li>{@link Compare} on an {@link Attribute} holds when the span (or its resource, by the
 *       attribute's scope; {@link TagScope#ANY} either) has an attribute with that key whose value
 *       has a type the value compares with (see {@link Value}) and the comparison holds. So
 *       {@code !=} and {@code !~} also require the attribute to be present, as in TraceQL.
 *   <li>{@link Exists} holds when the attribute is present with any value.
 *   <li>{@link Not} negates: {@code not(exists(a))} is "absent", {@code not(compare(a, EQ, v))}
 *       is "absent or different".
 *   <li>{@link All} of nothing is true; {@link Any} of nothing is false.
 * </ul>
 * Integers and doubles compare as numbers (an integer exactly, against a double as a double);
 * NaN attribute values never compare. Strings compare exactly, by their Java string value.
 */
public sealed interface SpanCondition
    permits SpanCondition.All, SpanCondition.Any, SpanCondition.Not, SpanCondition.Compare,
        SpanCondition.Exists {

  /** The condition every span meets. */
  SpanCondition TRUE = new All(List.of());

  static SpanCondition all(List<SpanCondition> conditions) {
    return conditions.size() == 1 ? conditions.get(0) : new All(conditions);
  }

  static SpanCondition all(SpanCondition... conditions) {
    return all(List.of(conditions));
  }

  static SpanCondition any(List<SpanCondition> conditions) {
    return conditions.size() == 1 ? conditions.get(0) : new Any(conditions);
  }

  static SpanCondition any(SpanCondition... conditions) {
    return any(List.of(conditions));
  }

  static SpanCondition not(SpanCondition condition) {
    return new Not(condition);
  }

  static SpanCondition exists(Field field) {
    return new Exists(field);
  }

  /**
   * Returns the comparison {@code field op value}.
   *
   * @throws IllegalArgumentException if the comparison does not apply to the field and value, or
   *     a regular expression is not valid (see {@link Regexes})
   */
  static SpanCondition compare(Field field, Comparison op, Value value) {
    return new Compare(field, op, value);
  }

  /** Every one of the conditions holds. */
  record All(List<SpanCondition> conditions) implements SpanCondition {
    public All {
      conditions = List.copyOf(conditions);
    }

    @Override
    public String toString() {
      return conditions.isEmpty() ? "true" : join(conditions, " && ");
    }
  }

  /** At least one of the conditions holds. */
  record Any(List<SpanCondition> conditions) implements SpanCondition {
    public Any {
      conditions = List.copyOf(conditions);
    }

    @Override
    public String toString() {
      return conditions.isEmpty() ? "false" : join(conditions, " || ");
    }
  }

  /** The condition does not hold. */
  record Not(SpanCondition condition) implements SpanCondition {
    public Not {
      requireNonNull(condition, "condition");
    }

    @Override
    public String toString() {
      return "!(" + condition + ")";
    }
  }

  /** The field is present: always true for intrinsics except a trace's missing root. */
  record Exists(Field field) implements SpanCondition {
    public Exists {
      requireNonNull(field, "field");
    }

    @Override
    public String toString() {
      return field + " != nil";
    }
  }

  /** {@code field op value}. */
  final class Compare implements SpanCondition {
    private final Field field;
    private final Comparison op;
    private final Value value;
    private final Pattern pattern;

    Compare(Field field, Comparison op, Value value) {
      this.field = requireNonNull(field, "field");
      this.op = requireNonNull(op, "op");
      this.value = requireNonNull(value, "value");
      check();
      this.pattern = op.isRegex() ? Regexes.compile(regex()) : null;
    }

    public Field field() {
      return field;
    }

    public Comparison op() {
      return op;
    }

    public Value value() {
      return value;
    }

    /** The regular expression of {@link Comparison#MATCHES} and {@link Comparison#NOT_MATCHES}. */
    public String regex() {
      if (!op.isRegex()) {
        throw new IllegalStateException(op + " has no regular expression");
      }
      return value instanceof Value.Str ? ((Value.Str) value).value() : ((Value.Text) value).value();
    }

    /** The compiled {@link #regex()}, for whole-text matching. */
    public Pattern pattern() {
      if (pattern == null) {
        throw new IllegalStateException(op + " has no regular expression");
      }
      return pattern;
    }

    private void check() {
      String problem = null;
      if (field instanceof Intrinsic) {
        Intrinsic i = (Intrinsic) field;
        switch (i.valueKind()) {
          case STRING:
            if (!(value instanceof Value.Str)) {
              problem = "a string";
            } else if (op.isOrdering()) {
              problem = "=, !=, =~ or !~";
            }
            break;
          case KIND:
            if (!(value instanceof Value.Kind)) {
              problem = "a span kind";
            } else if (op != Comparison.EQ && op != Comparison.NE) {
              problem = "= or !=";
            }
            break;
          case STATUS:
            if (!(value instanceof Value.Status)) {
              problem = "a status";
            } else if (op != Comparison.EQ && op != Comparison.NE) {
              problem = "= or !=";
            }
            break;
          default:
            if (!(value instanceof Value.Nanos)) {
              problem = "a duration";
            } else if (op.isRegex()) {
              problem = "=, !=, >, >=, < or <=";
            }
        }
      } else if (value instanceof Value.Str || value instanceof Value.Text) {
        if (op.isOrdering()) {
          problem = "=, !=, =~ or !~ for a string";
        }
      } else if (value instanceof Value.Int || value instanceof Value.Dbl) {
        if (op.isRegex()) {
          problem = "=, !=, >, >=, < or <= for a number";
        }
      } else if (value instanceof Value.Bool) {
        if (op != Comparison.EQ && op != Comparison.NE) {
          problem = "= or != for a boolean";
        }
      } else {
        problem = "a string, number or boolean for an attribute";
      }
      if (problem != null) {
        throw new IllegalArgumentException("condition " + this + " (expected: " + problem + ")");
      }
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Compare)) {
        return false;
      }
      Compare c = (Compare) o;
      return field.equals(c.field) && op == c.op && value.equals(c.value);
    }

    @Override
    public int hashCode() {
      return Objects.hash(field, op, value);
    }

    @Override
    public String toString() {
      return field + " " + op.symbol() + " " + value;
    }
  }

  private static String join(List<SpanCondition> conditions, String op) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < conditions.size(); i++) {
      if (i > 0) {
        sb.append(op);
      }
      sb.append(conditions.get(i));
    }
    return sb.append(')').toString();
  }
}
