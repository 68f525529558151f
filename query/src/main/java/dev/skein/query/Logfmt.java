package dev.skein.query;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Tempo's {@code tags} parameter: logfmt pairs {@code key=value} separated by spaces, with
 * double-quoted values (and keys) holding spaces, {@code \"} and {@code \\} escapes. A key given
 * twice is refused, as Tempo refuses it.
 */
final class Logfmt {
  private Logfmt() {}

  static Map<String, String> parse(String text) throws QueryException {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    int n = text.length();
    while (true) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= n) {
        return out;
      }
      StringBuilder key = new StringBuilder();
      i = token(text, i, key, true);
      if (key.length() == 0) {
        throw QueryException.badParameter("tags", text, "logfmt pairs such as service.name=checkout"
            + " \"http.url\"=\"/api/x y\" (no key at position " + i + ")");
      }
      String value = "";
      if (i < n && text.charAt(i) == '=') {
        StringBuilder v = new StringBuilder();
        i = token(text, i + 1, v, false);
        value = v.toString();
      }
      if (out.put(key.toString(), value) != null) {
        throw QueryException.badParameter("tags", text, "each key once (" + key + " is given twice)");
      }
    }
  }

  private static int token(String text, int i, StringBuilder out, boolean key) throws QueryException {
    int n = text.length();
    if (i < n && text.charAt(i) == '"') {
      i++;
      while (i < n && text.charAt(i) != '"') {
        char c = text.charAt(i);
        if (c == '\\' && i + 1 < n) {
          i++;
          c = text.charAt(i);
          out.append(c == 'n' ? '\n' : c == 't' ? '\t' : c);
        } else {
          out.append(c);
        }
        i++;
      }
      if (i >= n) {
        throw QueryException.badParameter("tags", text, "a closing quote");
      }
      return i + 1;
    }
    while (i < n && !Character.isWhitespace(text.charAt(i)) && !(key && text.charAt(i) == '=')) {
      out.append(text.charAt(i++));
    }
    return i;
  }
}
