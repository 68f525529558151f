package dev.skein.wire.jaeger;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders an array or kvlist attribute as the Collector's {@code pcommon.Value.AsString()} does:
 * Go's {@code encoding/json} applied to the raw value. That means map keys sorted (by code point,
 * which is Go's byte order of UTF-8), the last of duplicate keys kept, {@code <}, {@code >} and
 * {@code &} escaped, bytes as base64 and doubles in Go's shortest form ({@code 2}, {@code 0.5},
 * {@code 1e+21}). One deliberate difference: Go cannot encode a non-finite double and then yields
 * an empty string for the whole value; this writes it as the string {@code "NaN"},
 * {@code "Infinity"} or {@code "-Infinity"} and keeps the rest.
 */
public final class GoJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final Comparator<String> CODE_POINT_ORDER = GoJson::compareCodePoints;

  private GoJson() {}

  /**
   * Writes an array or kvlist attribute as the one string a Jaeger tag can hold, the way the
   * Collector does ({@code pcommon.Value.AsString()}, which is Go's {@code encoding/json}).
   */
  public static String write(AnyValue value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        string(sb, v.getStringValue());
        break;
      case BOOL_VALUE:
        sb.append(v.getBoolValue());
        break;
      case INT_VALUE:
        sb.append(v.getIntValue());
        break;
      case DOUBLE_VALUE:
        number(sb, v.getDoubleValue());
        break;
      case BYTES_VALUE:
        string(sb, base64(v.getBytesValue()));
        break;
      case ARRAY_VALUE:
        sb.append('[');
        for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          write(sb, v.getArrayValue().getValues(i));
        }
        sb.append(']');
        break;
      case KVLIST_VALUE:
        Map<String, AnyValue> sorted = new TreeMap<>(CODE_POINT_ORDER);
        for (KeyValue kv : v.getKvlistValue().getValuesList()) {
          sorted.put(kv.getKey(), kv.getValue());
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, AnyValue> e : sorted.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          string(sb, e.getKey());
          sb.append(':');
          write(sb, e.getValue());
        }
        sb.append('}');
        break;
      default:
        sb.append("null"); // an empty value is nil in Go's raw form
    }
  }

  static String base64(ByteString bytes) {
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  /** Go's float encoding: shortest digits, exponent form only below 1e-6 and from 1e21 on. */
  static void number(StringBuilder sb, double d) {
    if (!Double.isFinite(d)) {
      sb.append(Double.isNaN(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      return;
    }
    if (d == 0) {
      sb.append(1 / d < 0 ? "-0" : "0");
      return;
    }
    BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    double abs = Math.abs(d);
    if (abs >= 1e-6 && abs < 1e21) {
      sb.append(exact.toPlainString());
      return;
    }
    String digits = exact.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - exact.scale();
    if (d < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    // Go writes at least two exponent digits, then encoding/json turns e-07 into e-7.
    sb.append('e').append(exponent < 0 ? '-' : '+');
    int absExponent = Math.abs(exponent);
    if (absExponent < 10 && exponent > 0) {
      sb.append('0');
    }
    sb.append(absExponent);
  }

  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        case '\b':
          sb.append("\\b");
          break;
        case '\f':
          sb.append("\\f");
          break;
        case '<':
        case '>':
        case '&':
        case '\u2028':
        case '\u2029':
          unicodeEscape(sb, c);
          break;
        default:
          if (c < 0x20) {
            unicodeEscape(sb, c);
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  private static void unicodeEscape(StringBuilder sb, char c) {
    sb.append("\\u")
        .append(HEX[(c >> 12) & 0xf])
        .append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
