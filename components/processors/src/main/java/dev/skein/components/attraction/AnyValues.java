package dev.skein.components.attraction;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Conversions between OTLP attribute values, configuration values and text, with the Collector's
 * rules, so that a Skein processor and a Collector turn the same value into the same text.
 * Stateless and thread-safe.
 */
public final class AnyValues {
  private AnyValues() {}

  /**
   * Converts a value read from the YAML configuration (a string, number, boolean, list or map) into
   * an attribute value, as the Collector's {@code pcommon.Value.FromRaw} does.
   *
   * @throws IllegalArgumentException naming the value when its type has no attribute form
   */
  public static AnyValue fromConfig(Object value) {
    requireNonNull(value, "value");
    if (value instanceof String) {
      return AnyValue.newBuilder().setStringValue((String) value).build();
    }
    if (value instanceof Boolean) {
      return AnyValue.newBuilder().setBoolValue((Boolean) value).build();
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return AnyValue.newBuilder().setIntValue(((Number) value).longValue()).build();
    }
    if (value instanceof BigInteger) {
      BigInteger b = (BigInteger) value;
      return b.bitLength() < 64 ? AnyValue.newBuilder().setIntValue(b.longValue()).build()
          : AnyValue.newBuilder().setDoubleValue(b.doubleValue()).build();
    }
    if (value instanceof Number) {
      return AnyValue.newBuilder().setDoubleValue(((Number) value).doubleValue()).build();
    }
    if (value instanceof List) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      for (Object o : (List<?>) value) {
        a.addValues(o == null ? AnyValue.getDefaultInstance() : fromConfig(o));
      }
      return AnyValue.newBuilder().setArrayValue(a).build();
    }
    if (value instanceof Map) {
      KeyValueList.Builder l = KeyValueList.newBuilder();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        l.addValues(KeyValue.newBuilder().setKey(String.valueOf(e.getKey()))
            .setValue(e.getValue() == null ? AnyValue.getDefaultInstance() : fromConfig(e.getValue())));
      }
      return AnyValue.newBuilder().setKvlistValue(l).build();
    }
    throw new IllegalArgumentException(value + " (expected: a string, number, boolean, list or map)");
  }

  /** Returns a string attribute value. */
  public static AnyValue of(String s) {
    requireNonNull(s, "s");
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  /**
   * Returns the text the Collector's {@code pcommon.Value.AsString} gives: strings as they are,
   * numbers as JSON writes them, bytes in base64, arrays and maps as JSON, an empty value as "".
   */
  public static String asString(AnyValue v) {
    requireNonNull(v, "v");
    switch (v.getValueCase()) {
      case STRING_VALUE: return v.getStringValue();
      case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
      case INT_VALUE: return Long.toString(v.getIntValue());
      case DOUBLE_VALUE: return formatDouble(v.getDoubleValue());
      case BYTES_VALUE: return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE: {
        StringBuilder b = new StringBuilder();
        writeJson(b, v);
        return b.toString();
      }
      default: return "";
    }
  }

  /**
   * Formats a double as JSON does (ECMAScript style): plain digits, or an exponent below 1e-6 and
   * from 1e21 on, with the shortest digits that read back as the same double.
   */
  public static String formatDouble(double f) {
    if (Double.isNaN(f) || Double.isInfinite(f)) {
      return "json: unsupported value: " + (Double.isNaN(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
    }
    if (f == 0) {
      return 1 / f < 0 ? "-0" : "0";
    }
    double abs = Math.abs(f);
    if (abs < 1e-6 || abs >= 1e21) {
      BigDecimal bd = shortest(f);
      String digits = bd.unscaledValue().abs().toString();
      int exponent = bd.precision() - bd.scale() - 1;
      StringBuilder b = new StringBuilder();
      if (f < 0) {
        b.append('-');
      }
      b.append(digits.charAt(0));
      if (digits.length() > 1) {
        b.append('.').append(digits, 1, digits.length());
      }
      b.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
      return b.toString();
    }
    return plain(f);
  }

  /** Formats a double with plain digits only, as Go's {@code strconv.FormatFloat(f, 'f', -1, 64)}. */
  public static String formatDoublePlain(double f) {
    if (Double.isNaN(f)) {
      return "NaN";
    }
    if (Double.isInfinite(f)) {
      return f > 0 ? "+Inf" : "-Inf";
    }
    if (f == 0) {
      return 1 / f < 0 ? "-0" : "0";
    }
    return plain(f);
  }

  private static String plain(double f) {
    return shortest(f).toPlainString();
  }

  /** The decimal with the fewest significant digits that reads back as {@code f}. */
  private static BigDecimal shortest(double f) {
    BigDecimal exact = new BigDecimal(f);
    for (int digits = 1; digits < 17; digits++) {
      BigDecimal d = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (d.doubleValue() == f) {
        return d.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  private static void writeJson(StringBuilder b, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        quote(b, v.getStringValue());
        break;
      case BOOL_VALUE:
      case INT_VALUE:
      case DOUBLE_VALUE:
        b.append(asString(v));
        break;
      case BYTES_VALUE:
        b.append('"').append(asString(v)).append('"');
        break;
      case ARRAY_VALUE: {
        b.append('[');
        List<AnyValue> values = v.getArrayValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            b.append(',');
          }
          writeJson(b, values.get(i));
        }
        b.append(']');
        break;
      }
      case KVLIST_VALUE: {
        // Go's encoding/json writes map keys sorted.
        List<KeyValue> entries = v.getKvlistValue().getValuesList().stream()
            .sorted(Comparator.comparing(KeyValue::getKey)).toList();
        b.append('{');
        for (int i = 0; i < entries.size(); i++) {
          if (i > 0) {
            b.append(',');
          }
          quote(b, entries.get(i).getKey());
          b.append(':');
          writeJson(b, entries.get(i).getValue());
        }
        b.append('}');
        break;
      }
      default:
        b.append("null");
    }
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          // Go escapes <, > and & too, so that JSON is safe inside HTML.
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
