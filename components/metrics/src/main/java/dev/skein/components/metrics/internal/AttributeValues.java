package dev.skein.components.metrics.internal;

import dev.skein.model.AnyValues;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Reads OTLP attribute values the way the Collector's connectors read them. */
public final class AttributeValues {
  private AttributeValues() {}

  /** Returns the value of {@code key} in {@code attributes}, or null when it is absent. */
  public static @Nullable AnyValue find(List<KeyValue> attributes, String key) {
    // By index: protobuf's lists are random-access, and a for-each would make an iterator per call.
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
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
    return AnyValues.asString(v);
  }

  /** Lower-case hexadecimal, as exemplar labels carry trace and span IDs. */
  public static String hex(com.google.protobuf.ByteString id) {
    return Hex.encode(id);
  }

}
