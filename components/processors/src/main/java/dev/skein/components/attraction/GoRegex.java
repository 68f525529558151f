package dev.skein.components.attraction;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Compiles the regular expressions found in Collector configurations. Go writes named groups as
 * {@code (?P<name>...)} and allows underscores in names, which Java's syntax does not, so named
 * groups become plain groups and their names are kept beside the pattern. Everything else is
 * Java's syntax, which agrees with RE2 for the constructs such configurations use. Immutable.
 */
public final class GoRegex {
  private final Pattern pattern;
  private final List<String> groupNames;

  private GoRegex(Pattern pattern, List<String> groupNames) {
    this.pattern = pattern;
    this.groupNames = groupNames;
  }

  /**
   * Compiles {@code regex}.
   *
   * @throws java.util.regex.PatternSyntaxException if it is not a valid expression
   */
  public static GoRegex compile(String regex) {
    requireNonNull(regex, "regex");
    StringBuilder out = new StringBuilder(regex.length());
    List<String> names = new ArrayList<>();
    int i = 0;
    int n = regex.length();
    while (i < n) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < n) {
        if (regex.charAt(i + 1) == 'Q') {
          int end = regex.indexOf("\\E", i + 2);
          end = end < 0 ? n : end + 2;
          out.append(regex, i, end);
          i = end;
        } else {
          out.append(c).append(regex.charAt(i + 1));
          i += 2;
        }
      } else if (c == '[') {
        int end = classEnd(regex, i);
        out.append(regex, i, end);
        i = end;
      } else if (c == '(') {
        String name = null;
        int skip = 1;
        if (regex.startsWith("(?P<", i)) {
          int close = regex.indexOf('>', i + 4);
          if (close > 0) {
            name = regex.substring(i + 4, close);
            skip = close + 1 - i;
          }
        } else if (regex.startsWith("(?<", i) && i + 3 < n && regex.charAt(i + 3) != '='
            && regex.charAt(i + 3) != '!') {
          int close = regex.indexOf('>', i + 3);
          if (close > 0) {
            name = regex.substring(i + 3, close);
            skip = close + 1 - i;
          }
        }
        if (name != null) {
          names.add(name);
          out.append('(');
          i += skip;
        } else if (i + 1 < n && regex.charAt(i + 1) == '?') {
          out.append("(?");
          i += 2;
        } else {
          names.add(null);
          out.append('(');
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return new GoRegex(Pattern.compile(out.toString()), Collections.unmodifiableList(names));
  }

  /** Returns the index just past the character class that starts at {@code start}. */
  private static int classEnd(String regex, int start) {
    int i = start + 1;
    if (i < regex.length() && regex.charAt(i) == '^') {
      i++;
    }
    if (i < regex.length() && regex.charAt(i) == ']') {
      i++;
    }
    while (i < regex.length()) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == ']') {
        return i + 1;
      } else {
        i++;
      }
    }
    return regex.length();
  }

  public Pattern pattern() {
    return pattern;
  }

  /** The name of each capturing group in order, null for an unnamed group. */
  public List<String> groupNames() {
    return groupNames;
  }

  /** Whether {@code s} contains a match anywhere, as Go's {@code MatchString} decides. */
  public boolean find(CharSequence s) {
    return pattern.matcher(s).find();
  }
}
