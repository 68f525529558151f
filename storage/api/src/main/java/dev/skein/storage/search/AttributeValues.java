package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Base64;

/**
 * The text form and type name of attribute values, which every backend stores and compares the
 * same way.
 */
public final class AttributeValues {
  private AttributeValues() {}

  /**
   * The text form of {@code value}: strings are themselves; booleans {@code true}/{@code false};
   * integers in decimal; doubles as {@link Double#toString(double)}; bytes in standard Base64 (as
   * OTLP/JSON writes them); arrays and key-value lists as compact JSON; the empty value as the
   * empty string.
   */
  public static String text(AnyValue value) {
    requireNonNull(value, "value");
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(value.getBoolValue());
      case INT_VALUE:
        return Long.toString(value.getIntValue());
      case DOUBLE_VALUE:
        return Double.toString(value.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
      case STRING_VALUE_STRINDEX:
        return Integer.toString(value.getStringValueStrindex());
      case ARRAY_VALUE:
      case KVLIST_VALUE: {
        StringBuilder sb = new StringBuilder();
        json(value, sb);
        return sb.toString();
      }
      default:
        return "";
    }
  }

  /**
   * The type name tag value listings use: {@code string}, {@code int}, {@code double} or
   * {@code bool}; null for other types, which are not listed.
   */
  public static @Nullable String typeName(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE: return "string";
      case INT_VALUE: return "int";
      case DOUBLE_VALUE: return "double";
      case BOOL_VALUE: return "bool";
      default: return null;
    }
  }

  private static void json(AnyValue value, StringBuilder sb) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
      case BYTES_VALUE:
        quote(text(value), sb);
        break;
      case BOOL_VALUE:
      case INT_VALUE:
      case STRING_VALUE_STRINDEX:
        sb.append(text(value));
        break;
      case DOUBLE_VALUE: {
        double d = value.getDoubleValue();
        // JSON has no NaN or infinities; OTLP/JSON writes them as strings.
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          quote(text(value), sb);
        } else {
          sb.append(text(value));
        }
        break;
      }
      case ARRAY_VALUE: {
        sb.append('[');
        boolean first = true;
        for (AnyValue v : value.getArrayValue().getValuesList()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          json(v, sb);
        }
        sb.append(']');
        break;
      }
      case KVLIST_VALUE: {
        sb.append('{');
        boolean first = true;
        for (KeyValue kv : value.getKvlistValue().getValuesList()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          quote(kv.getKey(), sb);
          sb.append(':');
          json(kv.getValue(), sb);
        }
        sb.append('}');
        break;
      }
      default:
        sb.append("null");
    }
  }

  private static void quote(String s, StringBuilder sb) {
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
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }
}
