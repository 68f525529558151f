package dev.skein.components.prometheusexporter;

import java.math.BigDecimal;

/**
 * Formats numbers as the Prometheus Go client writes them, so that label values such as
 * {@code le="1e+06"} match what the Collector exposes: Go's {@code strconv.FormatFloat(v, 'g', -1)}
 * for the text format, and the same with a {@code .0} added to whole numbers for OpenMetrics.
 */
final class GoFloat {
  private GoFloat() {}

  static String text(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    StringBuilder b = new StringBuilder(v < 0 ? "-" : "");
    if (exp < -4 || exp >= 6) {
      b.append(digits.charAt(0));
      if (digits.length() > 1) {
        b.append('.').append(digits, 1, digits.length());
      }
      b.append('e').append(exp < 0 ? '-' : '+');
      int e = Math.abs(exp);
      if (e < 10) {
        b.append('0');
      }
      return b.append(e).toString();
    }
    return b.append(d.toPlainString()).toString();
  }

  static String openMetrics(double v) {
    String s = text(v);
    if (Double.isNaN(v) || Double.isInfinite(v) || s.indexOf('e') >= 0 || s.indexOf('.') >= 0) {
      return s;
    }
    return s + ".0";
  }
}
