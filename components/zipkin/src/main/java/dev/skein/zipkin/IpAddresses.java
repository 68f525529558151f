package dev.skein.zipkin;

import dev.skein.model.Nullable;

/**
 * Parses and formats IP addresses without name resolution, with the rules of Go's {@code net}
 * package, which the Collector's translator uses: IPv4 is dotted decimal without leading zeros;
 * IPv6 is written as RFC 5952 recommends (lower case, the longest run of two or more zero groups
 * shortened to {@code ::}), and an IPv4-mapped IPv6 address is written as IPv4.
 * {@link java.net.InetAddress} is avoided because it may resolve names.
 */
final class IpAddresses {
  private IpAddresses() {}

  /** Returns the address as 4 or 16 bytes, or null when {@code text} is not an IP address. */
  @Nullable
  static byte[] parse(String text) {
    return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4(text, 0, text.length());
  }

  /** Formats 4 or 16 bytes; other lengths are the caller's error. */
  static String format(byte[] ip) {
    if (ip.length == 4) {
      return formatIpv4(ip, 0);
    }
    if (isIpv4Mapped(ip)) {
      return formatIpv4(ip, 12);
    }
    int bestStart = -1;
    int bestEnd = -1;
    for (int i = 0; i < 16; i += 2) {
      int j = i;
      while (j < 16 && ip[j] == 0 && ip[j + 1] == 0) {
        j += 2;
      }
      if (j > i && j - i > bestEnd - bestStart) {
        bestStart = i;
        bestEnd = j;
        i = j;
      }
    }
    // RFC 5952 4.2.2: "::" must not stand for a single zero group.
    if (bestEnd - bestStart <= 2) {
      bestStart = -1;
      bestEnd = -1;
    }
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 16; i += 2) {
      if (i == bestStart) {
        b.append("::");
        i = bestEnd - 2;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff)));
    }
    return b.toString();
  }

  private static boolean isIpv4Mapped(byte[] ip) {
    for (int i = 0; i < 10; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
  }

  private static String formatIpv4(byte[] ip, int from) {
    return (ip[from] & 0xff) + "." + (ip[from + 1] & 0xff) + "." + (ip[from + 2] & 0xff) + "."
        + (ip[from + 3] & 0xff);
  }

  @Nullable
  private static byte[] parseIpv4(String s, int from, int to) {
    byte[] out = new byte[4];
    int part = 0;
    int i = from;
    while (part < 4) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
      }
      int digits = i - start;
      // Leading zeros are refused because some parsers read them as octal.
      if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
        return null;
      }
      out[part++] = (byte) value;
      if (part < 4) {
        if (i >= to || s.charAt(i) != '.') {
          return null;
        }
        i++;
      }
    }
    return i == to ? out : null;
  }

  @Nullable
  private static byte[] parseIpv6(String s) {
    byte[] out = new byte[16];
    int n = s.length();
    int at = 0;
    int filled = 0;
    int ellipsis = -1;
    if (n >= 2 && s.charAt(0) == ':' && s.charAt(1) == ':') {
      ellipsis = 0;
      at = 2;
      if (at == n) {
        return out;
      }
    }
    while (filled < 16) {
      int start = at;
      int value = 0;
      while (at < n && at - start < 5 && ZipkinIds.hexValue(s.charAt(at)) >= 0) {
        value = (value << 4) | ZipkinIds.hexValue(s.charAt(at));
        at++;
      }
      int digits = at - start;
      if (digits == 0 || digits > 4) {
        return null;
      }
      if (at < n && s.charAt(at) == '.') {
        // An embedded IPv4 address ends the text and fills the last four bytes.
        if ((ellipsis < 0 && filled != 12) || filled + 4 > 16) {
          return null;
        }
        byte[] v4 = parseIpv4(s, start, n);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, filled, 4);
        filled += 4;
        at = n;
        break;
      }
      out[filled++] = (byte) (value >> 8);
      out[filled++] = (byte) value;
      if (at == n) {
        break;
      }
      if (s.charAt(at) != ':' || at + 1 == n) {
        return null;
      }
      at++;
      if (s.charAt(at) == ':') {
        if (ellipsis >= 0) {
          return null;
        }
        ellipsis = filled;
        at++;
        if (at == n) {
          break;
        }
      }
    }
    if (at != n) {
      return null;
    }
    if (ellipsis < 0) {
      return filled == 16 ? out : null;
    }
    if (filled == 16) {
      return null;
    }
    int move = filled - ellipsis;
    System.arraycopy(out, ellipsis, out, 16 - move, move);
    for (int i = ellipsis; i < 16 - move; i++) {
      out[i] = 0;
    }
    return out;
  }
}
