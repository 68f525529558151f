package dev.skein.query;

import java.util.regex.Pattern;

/**
 * Search filters for one attribute value, as a user would type them: the web UI's tag box
 * (logfmt {@code key=value}, which Jaeger's search and Tempo's {@code tags} read) and TraceQL.
 */
final class SearchFilters {
  /** Numbers as an int or a double attribute prints them; "007" stays a string. */
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9]\\d{0,17})");
  private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9]\\d*)\\.\\d+");
  /** What ends an unquoted TraceQL attribute name (see the lexer). */
  private static final String ATTRIBUTE_END = "{}()=!<>~&|,\"'`";

  private SearchFilters() {}

  /** {@code key=value}, each quoted with {@code \"} and {@code \\} escapes when it needs it. */
  static String tag(String key, String value) {
    return logfmt(key, true) + "=" + logfmt(value, false);
  }

  private static String logfmt(String s, boolean key) {
    boolean quote = s.startsWith("\"") || (key && (s.isEmpty() || s.contains("=")));
    for (int i = 0; i < s.length() && !quote; i++) {
      quote = Character.isWhitespace(s.charAt(i));
    }
    return quote ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : s;
  }

  /**
   * {@code { span.key = value }} (or {@code resource.}): the value bare when it reads as a number
   * or a boolean, otherwise a quoted string; the name quoted when it holds characters that would
   * end it.
   */
  static String traceQl(String scope, String key, String value) {
    return "{ " + ("resource".equals(scope) ? "resource." : "span.") + name(key) + " = " + literal(value) + " }";
  }

  private static String name(String key) {
    boolean quote = key.isEmpty();
    for (int i = 0; i < key.length() && !quote; i++) {
      char c = key.charAt(i);
      quote = Character.isWhitespace(c) || ATTRIBUTE_END.indexOf(c) >= 0;
    }
    return quote ? string(key) : key;
  }

  private static String literal(String value) {
    if (value.equals("true") || value.equals("false") || INTEGER.matcher(value).matches()
        || DECIMAL.matcher(value).matches()) {
      return value;
    }
    return string(value);
  }

  private static String string(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\t': sb.append("\\t"); break;
        case '\r': sb.append("\\r"); break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }
}
