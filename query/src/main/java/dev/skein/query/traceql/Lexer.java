package dev.skein.query.traceql;

import dev.skein.query.traceql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Splits a query into tokens. Attributes ({@code .a}, {@code span.a}, {@code resource.a}, and the
 * other scopes, which the parser refuses) are single tokens whose text keeps the scope prefix;
 * a quoted attribute name ({@code span."a b"}) is unquoted. Strings are double-quoted with Go's
 * escapes or back-quoted and raw. Durations are Go's ({@code 1h30m}, {@code 250ms}).
 */
final class Lexer {
  private static final String ATTRIBUTE_END = "{}()=!<>~&|,\"'`";
  private static final List<String> SCOPES =
      List.of("span", "resource", "parent", "event", "link", "instrumentation");

  private final String text;
  private int pos;
  private int line = 1;
  private int lineStart;

  private Lexer(String text) {
    this.text = text;
  }

  static List<Token> tokens(String text) throws TraceQlException {
    Lexer l = new Lexer(text);
    List<Token> out = new ArrayList<>();
    Token t;
    do {
      t = l.next();
      out.add(t);
    } while (t.kind() != Kind.END);
    return out;
  }

  private Token next() throws TraceQlException {
    skipSpace();
    int line = this.line;
    int column = pos - lineStart + 1;
    if (pos >= text.length()) {
      return new Token(Kind.END, "", line, column);
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{': pos++; return new Token(Kind.OPEN_BRACE, "{", line, column);
      case '}': pos++; return new Token(Kind.CLOSE_BRACE, "}", line, column);
      case '(': pos++; return new Token(Kind.OPEN_PAREN, "(", line, column);
      case ')': pos++; return new Token(Kind.CLOSE_PAREN, ")", line, column);
      case ',': pos++; return new Token(Kind.COMMA, ",", line, column);
      case '+': pos++; return new Token(Kind.PLUS, "+", line, column);
      case '-': pos++; return new Token(Kind.MINUS, "-", line, column);
      case '*': pos++; return new Token(Kind.STAR, "*", line, column);
      case '/': pos++; return new Token(Kind.SLASH, "/", line, column);
      case '%': pos++; return new Token(Kind.PERCENT, "%", line, column);
      case '^': pos++; return new Token(Kind.CARET, "^", line, column);
      case '~': pos++; return new Token(Kind.TILDE, "~", line, column);
      case '|':
        return symbol(line, column, "||", Kind.OR, "|", Kind.PIPE);
      case '&':
        return symbol(line, column, "&&", Kind.AND, "&", Kind.UNION_OP);
      case '=':
        if (startsWith("=~")) {
          pos += 2;
          return new Token(Kind.RE, "=~", line, column);
        }
        pos++;
        return new Token(Kind.EQ, "=", line, column);
      case '!':
        for (String[] op : new String[][] {{"!>>", "NOT_DESC"}, {"!<<", "NOT_ANCESTOR"}, {"!=", "NE"},
            {"!~", "NRE"}, {"!>", "NOT_CHILD"}, {"!<", "NOT_PARENT"}}) {
          if (startsWith(op[0])) {
            pos += op[0].length();
            return new Token(Kind.valueOf(op[1]), op[0], line, column);
          }
        }
        pos++;
        return new Token(Kind.NOT, "!", line, column);
      case '>':
        if (startsWith(">>")) {
          pos += 2;
          return new Token(Kind.DESC, ">>", line, column);
        }
        return symbol(line, column, ">=", Kind.GE, ">", Kind.GT);
      case '<':
        if (startsWith("<<")) {
          pos += 2;
          return new Token(Kind.ANCESTOR, "<<", line, column);
        }
        return symbol(line, column, "<=", Kind.LE, "<", Kind.LT);
      case '"':
        return new Token(Kind.STRING, quoted(line, column), line, column);
      case '`':
        return new Token(Kind.STRING, raw(line, column), line, column);
      case '.':
        pos++;
        return new Token(Kind.ATTRIBUTE, "." + attributeName(line, column), line, column);
      default:
        break;
    }
    if (isAsciiDigit(c)) {
      return number(line, column);
    }
    if (Character.isLetter(c) || c == '_') {
      int start = pos;
      while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
        pos++;
      }
      String word = text.substring(start, pos);
      if (pos < text.length() && text.charAt(pos) == '.' && SCOPES.contains(word)) {
        pos++;
        return new Token(Kind.ATTRIBUTE, word + "." + attributeName(line, column), line, column);
      }
      if (pos < text.length() && text.charAt(pos) == ':' && pos + 1 < text.length()
          && Character.isLetter(text.charAt(pos + 1))) {
        pos++;
        int nameStart = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
          pos++;
        }
        word = word + ":" + text.substring(nameStart, pos);
      }
      return new Token(Kind.IDENTIFIER, word, line, column);
    }
    throw new TraceQlException("unexpected character '" + c + "'", line, column);
  }

  private Token symbol(int line, int column, String two, Kind twoKind, String one, Kind oneKind) {
    if (startsWith(two)) {
      pos += 2;
      return new Token(twoKind, two, line, column);
    }
    pos++;
    return new Token(oneKind, one, line, column);
  }

  private boolean startsWith(String s) {
    return text.startsWith(s, pos);
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      if (text.charAt(pos) == '\n') {
        line++;
        lineStart = pos + 1;
      }
      pos++;
    }
  }

  private String attributeName(int line, int column) throws TraceQlException {
    if (pos < text.length() && text.charAt(pos) == '"') {
      String name = quoted(line, column);
      if (name.isEmpty()) {
        throw new TraceQlException("expected an attribute name after '.' but found an empty string", line, column);
      }
      return name;
    }
    int start = pos;
    while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))
        && ATTRIBUTE_END.indexOf(text.charAt(pos)) < 0) {
      if (text.charAt(pos) == '"') {
        break;
      }
      pos++;
    }
    if (pos == start) {
      throw new TraceQlException("expected an attribute name after '.'", line, column);
    }
    return text.substring(start, pos);
  }

  private String quoted(int line, int column) throws TraceQlException {
    StringBuilder sb = new StringBuilder();
    pos++;
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\n') {
        break;
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        break;
      }
      char e = text.charAt(pos++);
      switch (e) {
        case 'n': sb.append('\n'); break;
        case 't': sb.append('\t'); break;
        case 'r': sb.append('\r'); break;
        case '"': sb.append('"'); break;
        case '\\': sb.append('\\'); break;
        case 'u': {
          if (pos + 4 > text.length()) {
            throw new TraceQlException("invalid escape \\u in string", line, column);
          }
          try {
            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw new TraceQlException("invalid escape \\u" + text.substring(pos, pos + 4) + " in string", line, column);
          }
          pos += 4;
          break;
        }
        default:
          throw new TraceQlException("invalid escape \\" + e + " in string (expected \\\", \\\\, \\n, \\t, \\r or"
              + " \\uXXXX; write a regular expression's backslash as \\\\ or use a `back-quoted` string)", line, column);
      }
    }
    throw new TraceQlException("string is not closed", line, column);
  }

  private String raw(int line, int column) throws TraceQlException {
    int end = text.indexOf('`', pos + 1);
    if (end < 0) {
      throw new TraceQlException("string is not closed", line, column);
    }
    String s = text.substring(pos + 1, end);
    for (int i = pos; i < end; i++) {
      if (text.charAt(i) == '\n') {
        this.line++;
        lineStart = i + 1;
      }
    }
    pos = end + 1;
    return s;
  }

  private Token number(int line, int column) throws TraceQlException {
    int start = pos;
    while (pos < text.length() && (isAsciiDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
      pos++;
    }
    if (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == 'µ')) {
      // A duration: number-unit pairs, as Go's time.ParseDuration reads them.
      while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.'
          || text.charAt(pos) == 'µ')) {
        pos++;
      }
      String d = text.substring(start, pos);
      if (!isDuration(d)) {
        throw new TraceQlException("invalid duration '" + d + "' (expected a number and a unit: ns, us, ms,"
            + " s, m or h, as in 250ms or 1h30m)", line, column);
      }
      return new Token(Kind.DURATION, d, line, column);
    }
    String n = text.substring(start, pos);
    if (n.chars().filter(ch -> ch == '.').count() > 1 || n.endsWith(".")) {
      throw new TraceQlException("invalid number '" + n + "'", line, column);
    }
    return new Token(n.contains(".") ? Kind.FLOAT : Kind.INTEGER, n, line, column);
  }

  /** Numbers are ASCII: {@link Character#isDigit} also takes other scripts' digits, which Java's
   *  number parsers read inconsistently. */
  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * Whether {@code d} is number-unit pairs. Matched one pair at a time: a single regular expression
   * with a repeated group recurses once per pair in Java, and a long duration would overflow the
   * stack.
   */
  private static boolean isDuration(String d) {
    Matcher m = Parser.DURATION_PART.matcher(d);
    int at = 0;
    while (at < d.length()) {
      if (!m.region(at, d.length()).lookingAt()) {
        return false;
      }
      at = m.end();
    }
    return at > 0;
  }
}
