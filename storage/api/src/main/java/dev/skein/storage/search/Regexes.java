package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The regular expressions of search conditions. They have the syntax and meaning of RE2 (Go's
 * {@code regexp}, which TraceQL uses), restricted to what Java's {@link Pattern} means the same
 * way, so every backend agrees: constructs only one of the two engines has (backreferences,
 * lookaround, atomic groups, possessive quantifiers, {@code \G}, {@code \Z}) are refused. A
 * pattern must match the whole text: {@code foo} matches only {@code "foo"}, and {@code .}
 * matches newlines too, as TraceQL's {@code ^(?s:pattern)$}.
 */
public final class Regexes {
  private static final Pattern UNPORTABLE = Pattern.compile(
      "\\\\[1-9GZzRXhHk]|\\(\\?[=!>]|\\(\\?<[=!]|[*+?}]\\+");

  private Regexes() {}

  /**
   * Checks {@code pattern} and compiles it for whole-text matching with {@link Matcher#matches()}.
   *
   * @throws IllegalArgumentException naming the pattern and what is wrong with it
   */
  public static Pattern compile(String pattern) {
    requireNonNull(pattern, "pattern");
    int nul = pattern.indexOf('\0');
    if (nul >= 0) {
      throw new IllegalArgumentException("regular expression \"" + pattern.replace("\0", "\\x00")
          + "\": a NUL character at index " + nul + " (expected: the escape \\x00 to match one)");
    }
    Matcher m = UNPORTABLE.matcher(pattern);
    if (m.find()) {
      throw new IllegalArgumentException("regular expression \"" + pattern + "\": \"" + m.group()
          + "\" at index " + m.start() + " is not supported (expected: RE2 syntax without"
          + " backreferences, lookaround, atomic groups or possessive quantifiers)");
    }
    try {
      return Pattern.compile(wholeText(pattern));
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("regular expression \"" + pattern + "\": "
          + e.getDescription() + " near index " + Math.max(0, e.getIndex() - 4)
          + " (expected: a valid regular expression)", e);
    }
  }

  /**
   * Returns {@code pattern} wrapped so that a whole-text matcher (Java's {@code matches()}, SQL's
   * {@code regexp_full_match}) treats it as TraceQL does: {@code (?s:pattern)}.
   */
  public static String wholeText(String pattern) {
    return "(?s:" + requireNonNull(pattern, "pattern") + ")";
  }

  /**
   * Returns a pattern that matches {@code literal} exactly, escaping every ASCII punctuation
   * character with a backslash, which both engines read as the literal character.
   */
  public static String quote(String literal) {
    requireNonNull(literal, "literal");
    StringBuilder sb = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c < 0x80 && !Character.isLetterOrDigit(c) && c != ' ' && c > 0x20) {
        sb.append('\\');
      }
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x{%x}", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
