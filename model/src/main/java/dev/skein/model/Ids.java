package dev.skein.model;

import com.google.protobuf.ByteString;

/** Validity rules for trace and span IDs, as the OTLP specification states them. */
public final class Ids {
  private Ids() {}

  /** A trace ID is valid when it has 16 bytes and at least one is not zero. */
  public static boolean isValidTraceId(ByteString id) {
    return id.size() == TraceId.LENGTH && !allZero(id);
  }

  /** A span ID is valid when it has 8 bytes and at least one is not zero. */
  public static boolean isValidSpanId(ByteString id) {
    return id.size() == 8 && !allZero(id);
  }

  private static boolean allZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
