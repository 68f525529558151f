package dev.skein.components.ottl;

import com.google.protobuf.ByteString;
import dev.skein.components.attraction.AnyValues;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;

/**
 * The values conditions work with, and OTTL's comparison rules. A value is null (nil), a String,
 * Long, Double, Boolean, ByteString, KeyValueList (a map) or ArrayValue (a list).
 */
final class Values {
  enum Op {
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    static Op of(String symbol) {
      for (Op o : values()) {
        if (o.symbol.equals(symbol)) {
          return o;
        }
      }
      throw new IllegalArgumentException(symbol);
    }
  }

  private Values() {}

  static @Nullable Object of(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE: return v.getStringValue();
      case BOOL_VALUE: return v.getBoolValue();
      case INT_VALUE: return v.getIntValue();
      case DOUBLE_VALUE: return v.getDoubleValue();
      case BYTES_VALUE: return v.getBytesValue();
      case ARRAY_VALUE: return v.getArrayValue();
      case KVLIST_VALUE: return v.getKvlistValue();
      default: return null;
    }
  }

  /**
   * Compares as OTTL does: numbers of either type numerically, strings and bytes in byte order,
   * false before true, nil equal only to nil; values of different types are not equal, and every
   * ordering between them is false. Maps and lists are only equal or not equal.
   */
  static boolean compare(@Nullable Object a, Op op, @Nullable Object b) {
    if (a == null || b == null) {
      return op == Op.EQ ? a == b : op == Op.NE && a != b;
    }
    if (a instanceof Number && b instanceof Number) {
      if (a instanceof Long && b instanceof Long) {
        return holds(Long.compare((Long) a, (Long) b), op);
      }
      double x = ((Number) a).doubleValue();
      double y = ((Number) b).doubleValue();
      if (Double.isNaN(x) || Double.isNaN(y)) {
        return op == Op.NE;
      }
      return holds(Double.compare(x == 0 ? 0.0 : x, y == 0 ? 0.0 : y), op);
    }
    if (a instanceof String && b instanceof String) {
      return holds(compareCodePoints((String) a, (String) b), op);
    }
    if (a instanceof Boolean && b instanceof Boolean) {
      return holds(Boolean.compare((Boolean) a, (Boolean) b), op);
    }
    if (a instanceof ByteString && b instanceof ByteString) {
      return holds(ByteString.unsignedLexicographicalComparator().compare((ByteString) a, (ByteString) b), op);
    }
    boolean equal = a.getClass() == b.getClass() && a.equals(b);
    return op == Op.EQ ? equal : op == Op.NE && !equal;
  }

  private static boolean holds(int cmp, Op op) {
    switch (op) {
      case EQ: return cmp == 0;
      case NE: return cmp != 0;
      case LT: return cmp < 0;
      case LE: return cmp <= 0;
      case GT: return cmp > 0;
      default: return cmp >= 0;
    }
  }

  /** Code point order, which is the byte order of UTF-8 and so Go's string order. */
  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /**
   * Text for converters that take any value as a string, as OTTL's string-like getters produce it;
   * null for nil.
   */
  static @Nullable String asString(@Nullable Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof String) {
      return (String) v;
    }
    if (v instanceof Double) {
      return AnyValues.formatDouble((Double) v);
    }
    if (v instanceof ByteString) {
      return Hex.encode((ByteString) v);
    }
    if (v instanceof ArrayValue) {
      return AnyValues.asString(AnyValue.newBuilder().setArrayValue((ArrayValue) v).build());
    }
    if (v instanceof KeyValueList) {
      return AnyValues.asString(AnyValue.newBuilder().setKvlistValue((KeyValueList) v).build());
    }
    return String.valueOf(v);
  }

  /** The type name used in messages, in OTTL's words. */
  static String typeName(@Nullable Object v) {
    if (v == null) {
      return "nil";
    }
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Long) {
      return "int";
    }
    if (v instanceof Double) {
      return "double";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof ByteString) {
      return "bytes";
    }
    if (v instanceof ArrayValue) {
      return "slice";
    }
    return "map";
  }

  static @Nullable AnyValue lookup(Iterable<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }
}
