package dev.skein.jaeger;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an array or kvlist attribute as the one string a Jaeger tag can hold, the way the
 * Collector does ({@code pcommon.Value.AsString()}, which is Go's {@code encoding/json}): map keys
 * sorted by code point, the last of duplicate keys kept, {@code <}, {@code >} and {@code &}
 * escaped, bytes in base64, doubles in Go's shortest form. Skein's Jaeger query JSON writes the
 * same strings, so a tag reads the same in the UI whichever way the span came.
 *
 * <p>Go cannot encode a non-finite double and then gives up on the whole value; this writes it as
 * the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"} and keeps the rest.
 */
final class AttributeJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AttributeJson() {}

  static String write(AnyValue value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value);
    return sb.toString();
  }

  private static void append(StringBuilder sb, AnyValue v) {
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
        string(sb, Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
        break;
      case ARRAY_VALUE:
        sb.append('[');
        for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          append(sb, v.getArrayValue().getValues(i));
        }
        sb.append(']');
        break;
      case KVLIST_VALUE:
        Map<String, AnyValue> sorted = new TreeMap<>(AttributeJson::compareCodePoints);
        for (KeyValue kv : v.getKvlistValue().getValuesList()) {
          sorted.put(kv.getKey(), kv.getValue());
        }
        sb.append('{');
        String separator = "";
        for (Map.Entry<String, AnyValue> e : sorted.entrySet()) {
          sb.append(separator);
          separator = ",";
          string(sb, e.getKey());
          sb.append(':');
          append(sb, e.getValue());
        }
        sb.append('}');
        break;
      default:
        sb.append("null");
    }
  }

  /** Go's encoding/json for a float64: plain digits from 1e-6 up to 1e21, exponent form outside. */
  private static void number(StringBuilder sb, double d) {
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
    // Go pads positive exponents to two digits (1e+21) but writes negative ones bare (1e-7).
    sb.append('e').append(exponent < 0 ? '-' : '+');
    if (exponent > 0 && exponent < 10) {
      sb.append('0');
    }
    sb.append(Math.abs(exponent));
  }

  private static void string(StringBuilder sb, String s) {
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
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
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
