package dev.skein.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations the way the Collector's configuration and Jaeger's query parameters write them (Go's
 * {@code time.ParseDuration}): {@code 200ms}, {@code 1.5h}, {@code 1h30m}, {@code 300us}.
 */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static Duration parse(String text) {
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
        throw invalid(text);
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      at = m.end();
    }
    if (at == 0 || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw invalid(text);
    }
    Duration d = Duration.ofNanos(nanos.longValue());
    return negative ? d.negated() : d;
  }

  /** Formats {@code d} back into the shortest Go form, e.g. {@code 168h0m0s} becomes {@code 168h}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    long n = d.toNanos();
    String[] units = {"h", "m", "s", "ms", "us", "ns"};
    long[] sizes = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    StringBuilder b = new StringBuilder(n < 0 ? "-" : "");
    n = Math.abs(n);
    for (int i = 0; i < units.length; i++) {
      if (n >= sizes[i]) {
        b.append(n / sizes[i]).append(units[i]);
        n %= sizes[i];
      }
    }
    return b.toString();
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ns": return 1L;
      case "us": case "µs": case "μs": return 1_000L;
      case "ms": return 1_000_000L;
      case "s": return 1_000_000_000L;
      case "m": return 60_000_000_000L;
      default: return 3_600_000_000_000L;
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "\"" + text + "\" (expected: a duration such as 200ms, 5s, 1h30m or 168h)");
  }
}
