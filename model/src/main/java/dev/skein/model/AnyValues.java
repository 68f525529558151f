package dev.skein.model;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.Base64;

/**
 * OTLP attribute values as text, the way the OpenTelemetry Collector's {@code pcommon.Value.AsString}
 * renders them: strings as they are, booleans and integers in their usual form, doubles without
 * exponent or trailing zeros, bytes in base64, and arrays and maps as JSON.
 */
public final class AnyValues {
  private AnyValues() {}

  /** The text of {@code v}; the empty string for a value that is not set. */
  public static String asString(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        return formatDouble(v.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        StringBuilder b = new StringBuilder();
        json(b, v);
        return b.toString();
      default:
        return "";
    }
  }

  /** A double as Go's {@code strconv.FormatFloat(d, 'f', -1, 64)} writes it, with NaN and ±Inf. */
  public static String formatDouble(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
  }

  /** Appends {@code s} to {@code b} as a JSON string, with quotes. */
  public static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static void json(StringBuilder b, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE, BYTES_VALUE -> quote(b, asString(v));
      case ARRAY_VALUE -> {
        b.append('[');
        for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            b.append(',');
          }
          json(b, v.getArrayValue().getValues(i));
        }
        b.append(']');
      }
      case KVLIST_VALUE -> {
        b.append('{');
        for (int i = 0; i < v.getKvlistValue().getValuesCount(); i++) {
          KeyValue kv = v.getKvlistValue().getValues(i);
          if (i > 0) {
            b.append(',');
          }
          quote(b, kv.getKey());
          b.append(':');
          json(b, kv.getValue());
        }
        b.append('}');
      }
      case VALUE_NOT_SET -> b.append("null");
      default -> b.append(asString(v));
    }
  }
}
