package dev.skein.query;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Go's {@code time.ParseDuration} reads them: {@code 200ms}, {@code 1.5h}, {@code 1h30m}, {@code 300us}. */
final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException if it is not a Go duration
   */
  static Duration parse(String text) {
    String s = text.trim();
    boolean negative = s.startsWith("-");
    if (negative || s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("not a duration: " + text);
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit(m.group(2)))));
      at = m.end();
    }
    if (at == 0 || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return negative ? d.negated() : d;
  }

  private static long unit(String unit) {
    switch (unit) {
      case "ns": return 1L;
      case "ms": return 1_000_000L;
      case "s": return 1_000_000_000L;
      case "m": return 60_000_000_000L;
      case "h": return 3_600_000_000_000L;
      default: return 1_000L;
    }
  }
}
