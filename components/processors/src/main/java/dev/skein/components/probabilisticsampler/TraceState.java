package dev.skein.components.probabilisticsampler;

import dev.skein.model.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A W3C {@code tracestate} with its OpenTelemetry member ({@code ot=}) parsed into the sampling
 * randomness ({@code rv}) and threshold ({@code th}), as the Collector's {@code pkg/sampling} reads
 * and writes it. Serializing writes {@code ot} first, {@code rv} before {@code th}, and drops empty
 * list members. Mutable; not thread-safe.
 */
final class TraceState {
  private static final Pattern KEY = Pattern.compile(
      "[a-z][a-z0-9_\\-*/]{0,255}|[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}");
  private static final Pattern VALUE = Pattern.compile("[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]");
  private static final Pattern OT = Pattern.compile(
      "[a-z][a-z0-9]*:[a-zA-Z0-9._\\-]*(?:;[a-z][a-z0-9]*:[a-zA-Z0-9._\\-]*)*");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,14}");

  /** The members other than {@code ot}, as {key, value}, in order. */
  private final List<String[]> others = new ArrayList<>();
  /** The {@code ot} fields other than rv and th, as {key, value}, in order. */
  private final List<String[]> otExtra = new ArrayList<>();
  private @Nullable String rv;
  private @Nullable String th;

  private TraceState() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException describing the syntax error
   */
  static TraceState parse(String text) {
    TraceState ts = new TraceState();
    if (text.length() > 1024) {
      throw new IllegalArgumentException("tracestate is longer than 1024 characters");
    }
    if (text.isEmpty()) {
      return ts;
    }
    String[] members = text.split(",", -1);
    if (members.length > 32) {
      throw new IllegalArgumentException("tracestate has more than 32 members");
    }
    for (String raw : members) {
      String m = trimOws(raw);
      if (m.isEmpty()) {
        continue;
      }
      int eq = m.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("tracestate member \"" + m + "\" is not key=value");
      }
      String key = m.substring(0, eq);
      String value = m.substring(eq + 1);
      if (!KEY.matcher(key).matches() || !VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException("tracestate member \"" + m + "\" is not valid");
      }
      if (key.equals("ot")) {
        ts.parseOt(value);
      } else {
        ts.others.add(new String[] {key, value});
      }
    }
    return ts;
  }

  private void parseOt(String value) {
    if (value.length() > 256 || !OT.matcher(value).matches()) {
      throw new IllegalArgumentException("tracestate ot value \"" + value + "\" is not valid");
    }
    for (String field : value.split(";")) {
      int colon = field.indexOf(':');
      String k = field.substring(0, colon);
      String v = field.substring(colon + 1);
      switch (k) {
        case "rv":
          if (v.length() != 14 || !HEX.matcher(v).matches()) {
            throw new IllegalArgumentException("tracestate rv \"" + v + "\" (expected: 14 hexadecimal digits)");
          }
          rv = v;
          break;
        case "th":
          if (!HEX.matcher(v).matches()) {
            throw new IllegalArgumentException("tracestate th \"" + v + "\" (expected: 1 to 14 hexadecimal digits)");
          }
          th = v;
          break;
        default:
          otExtra.add(new String[] {k, v});
      }
    }
  }

  private static String trimOws(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
      b++;
    }
    while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
      e--;
    }
    return s.substring(b, e);
  }

  boolean hasRandomness() {
    return rv != null;
  }

  boolean hasThreshold() {
    return th != null;
  }

  /** The threshold as a 56-bit value; only meaningful when {@link #hasThreshold()}. */
  long threshold() {
    String digits = (th + "00000000000000").substring(0, 14);
    return Long.parseLong(digits, 16);
  }

  /** Sets the randomness, a 56-bit value. */
  void setRandomness(long rnd56) {
    rv = String.format(Locale.ROOT, "%014x", rnd56);
  }

  /** Sets the threshold, a 56-bit rejection threshold where 0 keeps everything. */
  void setThreshold(long threshold56) {
    if (threshold56 == 0) {
      th = "0";
      return;
    }
    String digits = String.format(Locale.ROOT, "%014x", threshold56);
    int end = digits.length();
    while (end > 1 && digits.charAt(end - 1) == '0') {
      end--;
    }
    th = digits.substring(0, end);
  }

  String serialize() {
    StringBuilder b = new StringBuilder();
    if (rv != null || th != null || !otExtra.isEmpty()) {
      b.append("ot=");
      List<String> fields = new ArrayList<>();
      if (rv != null) {
        fields.add("rv:" + rv);
      }
      if (th != null) {
        fields.add("th:" + th);
      }
      for (String[] kv : otExtra) {
        fields.add(kv[0] + ":" + kv[1]);
      }
      b.append(String.join(";", fields));
    }
    for (String[] kv : others) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(kv[0]).append('=').append(kv[1]);
    }
    return b.toString();
  }
}
