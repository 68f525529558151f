package dev.skein.zipkin;

import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;

/**
 * Zipkin's hexadecimal IDs. Like Zipkin and the Collector, shorter IDs are accepted and
 * left-padded with zeros (a 64-bit trace ID becomes the low half of a 128-bit one); either case
 * of hexadecimal digit is accepted.
 */
final class ZipkinIds {
  static final int TRACE_ID_BYTES = 16;
  static final int SPAN_ID_BYTES = 8;

  private ZipkinIds() {}

  /** Decodes 1 to {@code 2 * bytes} hexadecimal characters into {@code bytes} bytes, or null. */
  @Nullable
  static ByteString fromHex(String hex, int bytes) {
    int n = hex.length();
    if (n == 0 || n > 2 * bytes) {
      return null;
    }
    byte[] out = new byte[bytes];
    int shift = 2 * bytes - n;
    for (int i = 0; i < n; i++) {
      int d = hexValue(hex.charAt(i));
      if (d < 0) {
        return null;
      }
      int at = shift + i;
      out[at / 2] |= (byte) ((at & 1) == 0 ? d << 4 : d);
    }
    return ByteString.copyFrom(out);
  }

  /** Left-pads 8 bytes to a 16-byte trace ID; 16 bytes are returned as they are. */
  static ByteString padTraceId(ByteString id) {
    return id.size() == TRACE_ID_BYTES ? id : ByteString.copyFrom(new byte[TRACE_ID_BYTES - id.size()]).concat(id);
  }

  static boolean isZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** The value of an ASCII hexadecimal digit, or -1; {@link Character#digit} also takes non-ASCII digits. */
  static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
