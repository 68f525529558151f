package dev.skein.components.ottl;

import dev.skein.components.attraction.GoRegex;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.List;
import java.util.function.Function;

/** The parsed forms of conditions and the values in them. Immutable. */
final class Expr {
  private Expr() {}

  /** A condition part that is true or false. */
  interface Bool {
    boolean eval(Subject s) throws OttlEvaluationException;
  }

  /** A value: a literal, a path or a converter. */
  interface Value {
    @Nullable Object get(Subject s) throws OttlEvaluationException;

    /** Whether the value is always a boolean, so it may stand alone as a condition. */
    default boolean isBoolean() {
      return false;
    }
  }

  record Or(Bool left, Bool right) implements Bool {
    @Override
    public boolean eval(Subject s) throws OttlEvaluationException {
      return left.eval(s) || right.eval(s);
    }
  }

  record And(Bool left, Bool right) implements Bool {
    @Override
    public boolean eval(Subject s) throws OttlEvaluationException {
      return left.eval(s) && right.eval(s);
    }
  }

  record Not(Bool inner) implements Bool {
    @Override
    public boolean eval(Subject s) throws OttlEvaluationException {
      return !inner.eval(s);
    }
  }

  record Comparison(Value left, Values.Op op, Value right) implements Bool {
    @Override
    public boolean eval(Subject s) throws OttlEvaluationException {
      return Values.compare(left.get(s), op, right.get(s));
    }
  }

  /** A boolean value standing alone, e.g. {@code IsMatch(name, "^GET")} or {@code true}. */
  record Truth(Value value) implements Bool {
    @Override
    public boolean eval(Subject s) throws OttlEvaluationException {
      return Boolean.TRUE.equals(value.get(s));
    }
  }

  record Literal(@Nullable Object value) implements Value {
    @Override
    public @Nullable Object get(Subject s) {
      return value;
    }

    @Override
    public boolean isBoolean() {
      return value instanceof Boolean;
    }
  }

  /** A path to a field that is not a map. */
  record Field(String path, Function<Subject, Object> getter) implements Value {
    @Override
    public @Nullable Object get(Subject s) {
      return getter.apply(s);
    }
  }

  /**
   * A path into an attribute map with one or more keys: the first a string, each further one a
   * string (into a map value) or an integer (into a list value).
   */
  record Indexed(String path, Function<Subject, List<KeyValue>> map, List<Object> keys) implements Value {
    @Override
    public @Nullable Object get(Subject s) throws OttlEvaluationException {
      AnyValue v = Values.lookup(map.apply(s), (String) keys.get(0));
      StringBuilder at = new StringBuilder(path).append("[\"").append(keys.get(0)).append("\"]");
      for (int i = 1; i < keys.size() && v != null; i++) {
        Object key = keys.get(i);
        Object current = Values.of(v);
        if (current == null) {
          return null;
        }
        if (key instanceof String) {
          if (!(current instanceof KeyValueList)) {
            throw new OttlEvaluationException(at + " is a " + Values.typeName(current)
                + ", which cannot be indexed with [\"" + key + "\"] (expected: a map)");
          }
          v = Values.lookup(((KeyValueList) current).getValuesList(), (String) key);
          at.append("[\"").append(key).append("\"]");
        } else {
          if (!(current instanceof ArrayValue)) {
            throw new OttlEvaluationException(at + " is a " + Values.typeName(current)
                + ", which cannot be indexed with [" + key + "] (expected: a slice)");
          }
          long index = (Long) key;
          ArrayValue list = (ArrayValue) current;
          if (index < 0 || index >= list.getValuesCount()) {
            throw new OttlEvaluationException(at + "[" + index + "]: index out of range (the slice has "
                + list.getValuesCount() + " elements)");
          }
          v = list.getValues((int) index);
          at.append("[").append(index).append("]");
        }
      }
      return v == null ? null : Values.of(v);
    }
  }

  /** {@code IsMatch(target, pattern)}: whether the pattern matches anywhere in the target's text. */
  record IsMatch(Value target, GoRegex pattern) implements Value {
    @Override
    public Object get(Subject s) throws OttlEvaluationException {
      String text = Values.asString(target.get(s));
      return text != null && pattern.find(text);
    }

    @Override
    public boolean isBoolean() {
      return true;
    }
  }
}
