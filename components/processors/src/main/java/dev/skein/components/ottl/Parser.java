package dev.skein.components.ottl;

import com.google.protobuf.ByteString;
import dev.skein.components.attraction.GoRegex;
import dev.skein.components.ottl.Lexer.Kind;
import dev.skein.components.ottl.Lexer.Token;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.PatternSyntaxException;

/**
 * A recursive-descent parser for Skein's OTTL subset:
 *
 * <pre>
 * condition  = or EOF
 * or         = and { "or" and }
 * and        = term { "and" term }
 * term       = "not" term | "(" or ")" | value [ op value ]
 * value      = literal | path | ENUM | Converter "(" [ value { "," value } ] ")"
 * path       = ident { "." ident } { "[" ( string | int ) "]" }
 * op         = "==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;="
 * </pre>
 *
 * A value standing alone must be boolean. Paths, enums and functions are resolved while parsing, so
 * every error is reported with its position before any data flows.
 */
final class Parser {
  static final List<String> FUNCTIONS = List.of("IsMatch");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "not");

  private final List<Token> tokens;
  private final Context context;
  private int at;

  private Parser(List<Token> tokens, Context context) {
    this.tokens = tokens;
    this.context = context;
  }

  static Expr.Bool parse(String source, Context context) throws OttlParseException {
    Parser p = new Parser(Lexer.tokens(source), context);
    if (p.peek().kind() == Kind.EOF) {
      throw p.error(p.peek(), "empty condition (expected: e.g. attributes[\"http.route\"] == \"/health\")");
    }
    Expr.Bool b = p.or();
    Token t = p.peek();
    if (t.kind() != Kind.EOF) {
      throw p.error(t, "unexpected " + t.describe() + (t.kind() == Kind.RPAREN ? " (no \"(\" is open)"
          : " (expected: and, or, or the end of the condition)"));
    }
    return b;
  }

  private Token peek() {
    return tokens.get(at);
  }

  private Token next() {
    Token t = tokens.get(at);
    if (t.kind() != Kind.EOF) {
      at++;
    }
    return t;
  }

  private boolean keyword(String word) {
    return peek().is(Kind.IDENT, word);
  }

  private OttlParseException error(Token t, String reason) {
    return new OttlParseException(t.line(), t.column(), reason);
  }

  private Expr.Bool or() throws OttlParseException {
    Expr.Bool left = and();
    while (keyword("or")) {
      next();
      left = new Expr.Or(left, and());
    }
    return left;
  }

  private Expr.Bool and() throws OttlParseException {
    Expr.Bool left = term();
    while (keyword("and")) {
      next();
      left = new Expr.And(left, term());
    }
    return left;
  }

  private Expr.Bool term() throws OttlParseException {
    if (keyword("not")) {
      next();
      return new Expr.Not(term());
    }
    if (peek().kind() == Kind.LPAREN) {
      Token open = next();
      Expr.Bool inner = or();
      if (peek().kind() != Kind.RPAREN) {
        throw error(peek(), "unexpected " + peek().describe() + " (expected: \")\" to close the \"(\" at column "
            + open.column() + (open.line() != peek().line() ? " of line " + open.line() : "") + ")");
      }
      next();
      return inner;
    }
    Token start = peek();
    Expr.Value left = value();
    if (peek().kind() == Kind.OP) {
      Values.Op op = Values.Op.of(next().text());
      Expr.Value right = value();
      return new Expr.Comparison(left, op, right);
    }
    if (left.isBoolean()) {
      return new Expr.Truth(left);
    }
    Token after = peek();
    throw error(after, "unexpected " + after.describe() + " after " + describe(start, left)
        + " (expected: a comparison operator ==, !=, <, <=, > or >=)");
  }

  private static String describe(Token start, Expr.Value v) {
    if (v instanceof Expr.Field) {
      return ((Expr.Field) v).path();
    }
    if (v instanceof Expr.Indexed) {
      return ((Expr.Indexed) v).path() + "[...]";
    }
    return start.text();
  }

  private Expr.Value value() throws OttlParseException {
    Token t = next();
    switch (t.kind()) {
      case STRING:
      case INT:
      case FLOAT:
        return new Expr.Literal(t.value());
      case BYTES:
        return new Expr.Literal(ByteString.copyFrom((byte[]) t.value()));
      case IDENT:
        break;
      default:
        throw error(t, "unexpected " + t.describe() + " (expected: a value such as a path, string, number,"
            + " true, false or nil)");
    }
    String word = t.text();
    switch (word) {
      case "true": return new Expr.Literal(Boolean.TRUE);
      case "false": return new Expr.Literal(Boolean.FALSE);
      case "nil": return new Expr.Literal(null);
      default: break;
    }
    if (KEYWORDS.contains(word)) {
      throw error(t, "unexpected \"" + word + "\" (expected: a value such as a path, string, number,"
          + " true, false or nil)");
    }
    if (peek().kind() == Kind.LPAREN) {
      return call(t);
    }
    if (Character.isUpperCase(word.charAt(0))) {
      Long e = Paths.ENUMS.get(word);
      if (e == null) {
        throw error(t, "unknown enum \"" + word + "\" (supported: " + String.join(", ", Paths.ENUMS.keySet()) + ")");
      }
      return new Expr.Literal(e);
    }
    return path(t);
  }

  private Expr.Value path(Token first) throws OttlParseException {
    StringBuilder name = new StringBuilder(first.text());
    while (peek().kind() == Kind.DOT) {
      next();
      Token seg = next();
      if (seg.kind() != Kind.IDENT) {
        throw error(seg, "unexpected " + seg.describe() + " after \"" + name + ".\" (expected: a path segment)");
      }
      name.append('.').append(seg.text());
    }
    String path = name.toString();
    List<Object> keys = new ArrayList<>();
    List<Token> keyTokens = new ArrayList<>();
    while (peek().kind() == Kind.LBRACKET) {
      next();
      Token k = next();
      if (k.kind() != Kind.STRING && k.kind() != Kind.INT) {
        throw error(k, "unexpected " + k.describe() + " in [] (expected: a string key such as \"http.route\""
            + " or an integer index)");
      }
      Token close = next();
      if (close.kind() != Kind.RBRACKET) {
        throw error(close, "unexpected " + close.describe() + " (expected: \"]\")");
      }
      keys.add(k.value());
      keyTokens.add(k);
    }
    Function<Subject, List<KeyValue>> map = Paths.map(context, path);
    if (map != null) {
      if (keys.isEmpty()) {
        throw error(first, "path \"" + path + "\" needs a key, e.g. " + path + "[\"http.route\"]");
      }
      if (!(keys.get(0) instanceof String)) {
        throw error(keyTokens.get(0), "path \"" + path + "\" is a map (expected: a string key, e.g. "
            + path + "[\"http.route\"])");
      }
      return new Expr.Indexed(path, map, List.copyOf(keys));
    }
    Function<Subject, Object> field = Paths.field(context, path);
    if (field == null) {
      throw error(first, "unknown path \"" + path + "\" in the " + context.name().toLowerCase(java.util.Locale.ROOT)
          + " context (supported: " + String.join(", ", Paths.supported(context)) + ")");
    }
    if (!keys.isEmpty()) {
      throw error(keyTokens.get(0), "path \"" + path + "\" is not a map and cannot take a key");
    }
    return new Expr.Field(path, field);
  }

  private Expr.Value call(Token name) throws OttlParseException {
    if (!FUNCTIONS.contains(name.text())) {
      throw error(name, "unknown function \"" + name.text() + "\" (supported: " + String.join(", ", FUNCTIONS) + ")");
    }
    next();
    List<Expr.Value> args = new ArrayList<>();
    List<Token> argTokens = new ArrayList<>();
    if (peek().kind() != Kind.RPAREN) {
      while (true) {
        argTokens.add(peek());
        args.add(value());
        if (peek().kind() == Kind.COMMA) {
          next();
          continue;
        }
        break;
      }
    }
    Token close = next();
    if (close.kind() != Kind.RPAREN) {
      throw error(close, "unexpected " + close.describe() + " in the arguments of " + name.text()
          + " (expected: \",\" or \")\")");
    }
    if (args.size() != 2) {
      throw error(name, "IsMatch takes 2 arguments (target, pattern), got " + args.size());
    }
    Token patternToken = argTokens.get(1);
    if (patternToken.kind() != Kind.STRING) {
      throw error(patternToken, "the pattern of IsMatch must be a string literal, e.g. \"^GET \"");
    }
    String pattern = (String) patternToken.value();
    GoRegex regex;
    try {
      regex = GoRegex.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw error(patternToken, "invalid regular expression " + patternToken.text() + ": " + e.getDescription());
    }
    if (peek().kind() == Kind.LBRACKET) {
      throw error(peek(), "IsMatch returns a boolean, which cannot be indexed");
    }
    return new Expr.IsMatch(args.get(0), regex);
  }
}
