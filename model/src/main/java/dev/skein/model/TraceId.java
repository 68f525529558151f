package dev.skein.model;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;

/** A 16-byte W3C trace ID that is not all zeros. Immutable. */
public final class TraceId {
  public static final int LENGTH = 16;

  private final ByteString bytes;

  private TraceId(ByteString bytes) {
    this.bytes = bytes;
  }

  /**
   * Parses 32 hexadecimal characters. Jaeger also sends shorter IDs with leading zeros left out,
   * so 1 to 32 characters are accepted and left-padded.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static TraceId fromHex(String hex) {
    requireNonNull(hex, "hex");
    if (hex.isEmpty() || hex.length() > 2 * LENGTH) {
      throw new IllegalArgumentException(
          "trace ID: \"" + hex + "\" (expected: 1 to 32 hexadecimal characters)");
    }
    String padded = "0".repeat(2 * LENGTH - hex.length()) + hex;
    byte[] b;
    try {
      b = Hex.decode(padded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "trace ID: \"" + hex + "\" (expected: hexadecimal characters only)");
    }
    return of(ByteString.copyFrom(b));
  }

  /**
   * Wraps 16 bytes.
   *
   * @throws IllegalArgumentException if the length is not 16 or every byte is zero
   */
  public static TraceId of(ByteString bytes) {
    requireNonNull(bytes, "bytes");
    if (!Ids.isValidTraceId(bytes)) {
      throw new IllegalArgumentException("trace ID: " + Hex.encode(bytes)
          + " (expected: " + LENGTH + " bytes, not all zero; got " + bytes.size() + " bytes)");
    }
    return new TraceId(bytes);
  }

  public ByteString bytes() {
    return bytes;
  }

  public String hex() {
    return Hex.encode(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TraceId && ((TraceId) o).bytes.equals(bytes);
  }

  @Override
  public int hashCode() {
    return bytes.hashCode();
  }

  @Override
  public String toString() {
    return hex();
  }
}
