package dev.skein.query.explain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/** How causes name spans and numbers: short, exact enough, and the same everywhere. */
final class Texts {
  /** Operation names longer than this are shortened with an ellipsis. */
  static final int MAX_NAME = 40;
  private static final Pattern STATEMENT = Pattern.compile(
      "(?i)^(SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|UPSERT|REPLACE|CALL|EXEC|EXECUTE|CREATE|DROP|ALTER|TRUNCATE"
          + "|BEGIN|COMMIT|ROLLBACK|SET|SHOW|EXPLAIN)\\b.*", Pattern.DOTALL);

  private Texts() {}

  /** {@code service operation}, the operation in backticks when it is a statement. */
  static String label(String service, String operation) {
    String op = shorten(operation.replaceAll("\\s+", " ").trim(), MAX_NAME);
    if (op.isEmpty()) {
      op = "(unnamed)";
    } else if (STATEMENT.matcher(op).matches()) {
      op = "`" + op.replace("`", "'") + "`";
    }
    return service + " " + op;
  }

  /**
   * {@code text} if it fits in {@code max} characters; otherwise its first word, an ellipsis, and
   * as many of its last words as fit, so a statement keeps its verb and its table.
   */
  static String shorten(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int sp = text.indexOf(' ');
    String head = sp < 0 ? "" : text.substring(0, sp);
    if (head.isEmpty() || head.length() > max / 2) {
      return text.substring(0, max - 1) + "…";
    }
    int budget = max - head.length() - 3;
    String[] words = text.substring(sp + 1).split(" ");
    StringBuilder tail = new StringBuilder();
    for (int i = words.length - 1; i >= 0; i--) {
      int len = words[i].length() + (tail.length() == 0 ? 0 : 1) + tail.length();
      if (len > budget) {
        break;
      }
      tail.insert(0, tail.length() == 0 ? words[i] : words[i] + " ");
    }
    if (tail.length() == 0) {
      return text.substring(0, max - 1) + "…";
    }
    return head + " … " + tail;
  }

  /** A duration: {@code 0.35 ms}, {@code 2.5 ms}, {@code 812 ms}, {@code 1.2 s}. */
  static String duration(long nanos) {
    double ms = nanos / 1e6;
    if (ms >= 1000) {
      return decimal(ms / 1000, 2) + " s";
    }
    if (ms >= 10) {
      return decimal(ms, 0) + " ms";
    }
    if (ms >= 1) {
      return decimal(ms, 1) + " ms";
    }
    return decimal(ms, 2) + " ms";
  }

  /** A share as a whole percentage: {@code 71%}. */
  static String percent(double share) {
    return Math.round(share * 100) + "%";
  }

  /** A ratio: {@code 40×}, {@code 2.5×}. */
  static String times(double ratio) {
    return decimal(ratio, ratio >= 10 ? 0 : 1) + "×";
  }

  static String decimal(double v, int places) {
    return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }
}
