package dev.skein.model;

import com.google.protobuf.ByteString;

/** Lower-case hexadecimal encoding, as OTLP/JSON and the query APIs write IDs. */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  public static String encode(ByteString bytes) {
    char[] out = new char[bytes.size() * 2];
    for (int i = 0; i < bytes.size(); i++) {
      int b = bytes.byteAt(i) & 0xff;
      out[2 * i] = DIGITS[b >>> 4];
      out[2 * i + 1] = DIGITS[b & 0xf];
    }
    return new String(out);
  }

  /**
   * Decodes an even number of hexadecimal characters, either case.
   *
   * @throws IllegalArgumentException if the length is odd or a character is not hexadecimal
   */
  public static byte[] decode(CharSequence hex) {
    int n = hex.length();
    if ((n & 1) != 0) {
      throw new IllegalArgumentException("odd number of hexadecimal characters: " + n);
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < n; i += 2) {
      int hi = Character.digit(hex.charAt(i), 16);
      int lo = Character.digit(hex.charAt(i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("not a hexadecimal character at " + (hi < 0 ? i : i + 1));
      }
      out[i / 2] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
