package dev.skein.components.ottl;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Splits a condition into tokens, each with its line and column. */
final class Lexer {
  enum Kind { IDENT, STRING, INT, FLOAT, BYTES, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT, OP, EOF }

  /**
   * One token. {@code value} holds the decoded literal: a String, Long, Double or byte[].
   */
  record Token(Kind kind, String text, Object value, int line, int column) {
    boolean is(Kind k, String t) {
      return kind == k && text.equals(t);
    }

    /** The token as messages quote it. */
    String describe() {
      switch (kind) {
        case EOF: return "the end of the condition";
        case STRING: return "the string " + text;
        case IDENT: return "\"" + text + "\"";
        default: return "\"" + text + "\"";
      }
    }
  }

  private final String src;
  private int pos;
  private int line = 1;
  private int column = 1;

  private Lexer(String src) {
    this.src = src;
  }

  static List<Token> tokens(String src) throws OttlParseException {
    return new Lexer(src).all();
  }

  private List<Token> all() throws OttlParseException {
    List<Token> out = new ArrayList<>();
    while (true) {
      skipSpace();
      if (pos >= src.length()) {
        out.add(new Token(Kind.EOF, "", "", line, column));
        return out;
      }
      out.add(next());
    }
  }

  private void skipSpace() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        pos++;
        line++;
        column = 1;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        advance(1);
      } else {
        return;
      }
    }
  }

  private void advance(int n) {
    pos += n;
    column += n;
  }

  private Token next() throws OttlParseException {
    int startLine = line;
    int startColumn = column;
    int start = pos;
    char c = src.charAt(pos);
    switch (c) {
      case '(': advance(1); return new Token(Kind.LPAREN, "(", "", startLine, startColumn);
      case ')': advance(1); return new Token(Kind.RPAREN, ")", "", startLine, startColumn);
      case '[': advance(1); return new Token(Kind.LBRACKET, "[", "", startLine, startColumn);
      case ']': advance(1); return new Token(Kind.RBRACKET, "]", "", startLine, startColumn);
      case ',': advance(1); return new Token(Kind.COMMA, ",", "", startLine, startColumn);
      case '"': return string(startLine, startColumn);
      case '=': case '!': case '<': case '>': {
        boolean eq = pos + 1 < src.length() && src.charAt(pos + 1) == '=';
        if (!eq && (c == '=' || c == '!')) {
          throw new OttlParseException(startLine, startColumn, "unexpected \"" + c + "\" (expected: "
              + (c == '=' ? "==" : "!=") + ")");
        }
        advance(eq ? 2 : 1);
        return new Token(Kind.OP, src.substring(start, pos), "", startLine, startColumn);
      }
      default:
        break;
    }
    if (c == '.' && !(pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
      advance(1);
      return new Token(Kind.DOT, ".", "", startLine, startColumn);
    }
    if (Character.isDigit(c) || c == '.' || ((c == '-' || c == '+') && startsNumber(pos + 1))) {
      return number(startLine, startColumn);
    }
    if (Character.isLetter(c) || c == '_') {
      while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        advance(1);
      }
      String text = src.substring(start, pos);
      return new Token(Kind.IDENT, text, text, startLine, startColumn);
    }
    throw new OttlParseException(startLine, startColumn, "unexpected \"" + new String(Character.toChars(
        src.codePointAt(pos))) + "\"" + (c == '+' || c == '-' || c == '*' || c == '/' || c == '&' || c == '|'
        ? " (arithmetic and symbolic operators are not supported; use and, or, not)" : ""));
  }

  private boolean startsNumber(int i) {
    return i < src.length() && (Character.isDigit(src.charAt(i))
        || (src.charAt(i) == '.' && i + 1 < src.length() && Character.isDigit(src.charAt(i + 1))));
  }

  private Token number(int startLine, int startColumn) throws OttlParseException {
    int start = pos;
    if (src.charAt(pos) == '-' || src.charAt(pos) == '+') {
      advance(1);
    }
    if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
      if (start != pos) {
        throw new OttlParseException(startLine, startColumn, "a byte literal cannot have a sign");
      }
      advance(2);
      int hexStart = pos;
      while (pos < src.length() && Character.digit(src.charAt(pos), 16) >= 0) {
        advance(1);
      }
      String hex = src.substring(hexStart, pos);
      if (hex.isEmpty() || hex.length() % 2 != 0) {
        throw new OttlParseException(startLine, startColumn, "byte literal \"" + src.substring(start, pos)
            + "\" (expected: an even number of hexadecimal digits after 0x)");
      }
      return new Token(Kind.BYTES, src.substring(start, pos), dev.skein.model.Hex.decode(hex), startLine,
          startColumn);
    }
    boolean isFloat = false;
    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
      advance(1);
    }
    if (pos < src.length() && src.charAt(pos) == '.') {
      isFloat = true;
      advance(1);
      while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        advance(1);
      }
    }
    if (pos < src.length() && (Character.isLetter(src.charAt(pos)) || src.charAt(pos) == '_')) {
      throw new OttlParseException(line, column, "unexpected \"" + src.charAt(pos) + "\" after the number "
          + src.substring(start, pos));
    }
    String text = src.substring(start, pos);
    if (isFloat) {
      return new Token(Kind.FLOAT, text, Double.parseDouble(text), startLine, startColumn);
    }
    BigInteger b = new BigInteger(text.startsWith("+") ? text.substring(1) : text);
    if (b.bitLength() > 63) {
      throw new OttlParseException(startLine, startColumn, "integer " + text
          + " is out of range (expected: a 64-bit signed integer)");
    }
    return new Token(Kind.INT, text, b.longValue(), startLine, startColumn);
  }

  private Token string(int startLine, int startColumn) throws OttlParseException {
    int start = pos;
    advance(1);
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= src.length() || src.charAt(pos) == '\n') {
        throw new OttlParseException(startLine, startColumn, "unterminated string (expected: a closing \")");
      }
      char c = src.charAt(pos);
      if (c == '"') {
        advance(1);
        return new Token(Kind.STRING, src.substring(start, pos), b.toString(), startLine, startColumn);
      }
      if (c == '\\') {
        if (pos + 1 >= src.length()) {
          throw new OttlParseException(startLine, startColumn, "unterminated string (expected: a closing \")");
        }
        char e = src.charAt(pos + 1);
        switch (e) {
          case '"': b.append('"'); break;
          case '\\': b.append('\\'); break;
          case 'n': b.append('\n'); break;
          case 'r': b.append('\r'); break;
          case 't': b.append('\t'); break;
          default:
            throw new OttlParseException(line, column, "unknown escape \"\\" + e
                + "\" in string (expected: \\\", \\\\, \\n, \\r or \\t)");
        }
        advance(2);
      } else {
        b.append(c);
        advance(1);
      }
    }
  }
}
