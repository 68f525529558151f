package dev.skein.components.metrics.internal;

import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.List;

/** Reads OTLP attribute values the way the Collector's connectors read them. */
public final class AttributeValues {
  private AttributeValues() {}

  /** Returns the value of {@code key} in {@code attributes}, or null when it is absent. */
  public static @Nullable AnyValue find(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  /**
   * Renders {@code v} as the Collector's {@code pcommon.Value.AsString} does: strings as they are,
   * numbers and booleans in their shortest form, bytes in base64, arrays and maps as JSON.
   */
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
        return java.util.Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        StringBuilder b = new StringBuilder();
        json(b, v);
        return b.toString();
      default:
        return "";
    }
  }

  /** Lower-case hexadecimal, as exemplar labels carry trace and span IDs. */
  public static String hex(com.google.protobuf.ByteString id) {
    return Hex.encode(id);
  }

  private static String formatDouble(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
  }

  private static void json(StringBuilder b, AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        quote(b, v.getStringValue());
        break;
      case ARRAY_VALUE:
        b.append('[');
        for (int i = 0; i < v.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            b.append(',');
          }
          json(b, v.getArrayValue().getValues(i));
        }
        b.append(']');
        break;
      case KVLIST_VALUE:
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
        break;
      case VALUE_NOT_SET:
        b.append("null");
        break;
      case BYTES_VALUE:
        quote(b, asString(v));
        break;
      default:
        b.append(asString(v));
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
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
