package dev.skein.query.traceql;

import dev.skein.query.traceql.Ast.Aggregate;
import dev.skein.query.traceql.Ast.Op;
import dev.skein.query.traceql.Token.Kind;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recursive-descent parser for Skein's TraceQL subset (docs/traceql.md). It turns conditions
 * inside braces straight into storage {@link SpanCondition}s, and refuses, with a position, every
 * construct outside the subset rather than guessing.
 *
 * <p>Precedence, lowest first: {@code |}; {@code &&} and {@code ||}; the structural operators
 * {@code >}, {@code >>}, {@code <}, {@code ~}, left-associative. Mixing {@code &&} and {@code ||}
 * at one level needs parentheses, inside braces too, because TraceQL implementations disagree on
 * their relative precedence.
 */
final class Parser {
  private static final Map<String, Intrinsic> INTRINSICS = Map.ofEntries(
      Map.entry("name", Intrinsic.NAME), Map.entry("span:name", Intrinsic.NAME),
      Map.entry("status", Intrinsic.STATUS), Map.entry("span:status", Intrinsic.STATUS),
      Map.entry("statusMessage", Intrinsic.STATUS_MESSAGE), Map.entry("span:statusMessage", Intrinsic.STATUS_MESSAGE),
      Map.entry("kind", Intrinsic.KIND), Map.entry("span:kind", Intrinsic.KIND),
      Map.entry("duration", Intrinsic.DURATION), Map.entry("span:duration", Intrinsic.DURATION),
      Map.entry("event:name", Intrinsic.EVENT_NAME),
      Map.entry("trace:duration", Intrinsic.TRACE_DURATION), Map.entry("traceDuration", Intrinsic.TRACE_DURATION),
      Map.entry("trace:rootService", Intrinsic.ROOT_SERVICE), Map.entry("rootServiceName", Intrinsic.ROOT_SERVICE),
      Map.entry("trace:rootName", Intrinsic.ROOT_NAME), Map.entry("rootName", Intrinsic.ROOT_NAME));
  private static final Map<String, StatusCode> STATUSES = Map.of(
      "ok", StatusCode.STATUS_CODE_OK, "error", StatusCode.STATUS_CODE_ERROR, "unset", StatusCode.STATUS_CODE_UNSET);
  private static final Map<String, SpanKind> KINDS = Map.of(
      "unspecified", SpanKind.SPAN_KIND_UNSPECIFIED, "internal", SpanKind.SPAN_KIND_INTERNAL,
      "server", SpanKind.SPAN_KIND_SERVER, "client", SpanKind.SPAN_KIND_CLIENT,
      "producer", SpanKind.SPAN_KIND_PRODUCER, "consumer", SpanKind.SPAN_KIND_CONSUMER);
  /** One number-unit pair of a duration, as Go's time.ParseDuration reads them. */
  static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
  /**
   * How deeply a query may nest: parentheses, {@code !}, unary {@code -} and the operands of a
   * chain of spanset operators each count one level. The parser, the compiler and the evaluator
   * recurse once per level, so a bound keeps any query from exhausting a thread's stack.
   */
  static final int MAX_NESTING = 100;

  private final List<Token> tokens;
  private int pos;
  private int nesting;
  /** Fields the query's conditions and select() name, for showing matched spans. */
  final Set<Field> referenced = new LinkedHashSet<>();
  final List<Field> selected = new ArrayList<>();

  Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  Ast.Spanset parse() throws TraceQlException {
    if (peek().kind() == Kind.END) {
      throw error(peek(), "empty query (expected a spanset filter such as { status = error })");
    }
    Ast.Spanset s = pipeline();
    if (peek().kind() != Kind.END) {
      throw unexpected(peek(), "'|', '&&', '||', a structural operator or the end of the query");
    }
    return s;
  }

  private Ast.Spanset pipeline() throws TraceQlException {
    Ast.Spanset source = spansetExpression();
    List<Ast.Stage> stages = new ArrayList<>();
    while (peek().kind() == Kind.PIPE) {
      next();
      stages.add(stage());
    }
    return stages.isEmpty() ? source : new Ast.Pipeline(source, List.copyOf(stages));
  }

  private Ast.Stage stage() throws TraceQlException {
    Token t = peek();
    if (t.kind() == Kind.OPEN_BRACE) {
      Ast.Filter f = filter();
      Kind k = peek().kind();
      if (k == Kind.AND || k == Kind.OR || structural(k) != null || k == Kind.LT) {
        throw error(peek(), "only a single spanset filter { ... } is supported after '|'");
      }
      return new Ast.FilterStage(f.condition());
    }
    if (t.kind() != Kind.IDENTIFIER) {
      throw unexpected(t, "a spanset filter, count(), avg(), min(), max(), sum() or select() after '|'");
    }
    switch (t.text()) {
      case "count": case "avg": case "min": case "max": case "sum":
        return scalarFilter();
      case "select":
        next();
        expect(Kind.OPEN_PAREN);
        List<Field> fields = new ArrayList<>();
        do {
          fields.add(field(next()));
        } while (accept(Kind.COMMA));
        expect(Kind.CLOSE_PAREN);
        selected.addAll(fields);
        return new Ast.Select(List.copyOf(fields));
      case "by": case "coalesce":
        throw error(t, t.text() + "() is not supported");
      default:
        throw error(t, "'" + t.text() + "' is not supported after '|' (supported: a spanset filter,"
            + " count(), avg(), min(), max(), sum(), select())");
    }
  }

  private Ast.Stage scalarFilter() throws TraceQlException {
    Token name = next();
    Aggregate aggregate = Aggregate.valueOf(name.text().toUpperCase(Locale.ROOT));
    expect(Kind.OPEN_PAREN);
    Field field = null;
    if (aggregate != Aggregate.COUNT) {
      field = field(next());
      if (field instanceof Intrinsic && ((Intrinsic) field).valueKind() != Intrinsic.ValueKind.DURATION) {
        throw error(name, name.text() + "(" + field + ") is not supported (expected a duration or a numeric attribute)");
      }
    }
    expect(Kind.CLOSE_PAREN);
    Token opToken = next();
    Comparison op = comparison(opToken);
    if (op == null || op.isRegex()) {
      throw unexpected(opToken, "=, !=, <, <=, > or >= after " + name.text() + "()");
    }
    Static value = staticValue(next());
    boolean durationField = field instanceof Intrinsic;
    double number;
    if (aggregate == Aggregate.COUNT) {
      if (value.kind != Kind.INTEGER) {
        throw error(value.token, "count() is compared with an integer, not " + value.token.describe());
      }
      number = (Long) value.value;
    } else if (durationField) {
      if (value.kind != Kind.DURATION) {
        throw error(value.token, name.text() + "(" + field + ") is compared with a duration such as 100ms, not "
            + value.token.describe());
      }
      number = (Long) value.value;
    } else if (value.kind == Kind.INTEGER) {
      number = (Long) value.value;
    } else if (value.kind == Kind.FLOAT) {
      number = (Double) value.value;
    } else {
      throw error(value.token, name.text() + "(" + field + ") is compared with a number, not " + value.token.describe());
    }
    return new Ast.ScalarFilter(aggregate, field, op, number);
  }

  private Ast.Spanset spansetExpression() throws TraceQlException {
    Ast.Spanset left = structuralExpression();
    Kind logic = null;
    int chain = 0;
    while (peek().kind() == Kind.AND || peek().kind() == Kind.OR) {
      Token op = next();
      if (logic != null && logic != op.kind()) {
        throw error(op, "mixing && and || needs parentheses, as in ({ a } && { b }) || { c }");
      }
      logic = op.kind();
      enter(op);
      chain++;
      left = new Ast.Binary(op.kind() == Kind.AND ? Op.AND : Op.OR, left, structuralExpression());
    }
    nesting -= chain;
    return left;
  }

  private Ast.Spanset structuralExpression() throws TraceQlException {
    Ast.Spanset left = spansetPrimary();
    int chain = 0;
    while (true) {
      Token t = peek();
      Op op = structural(t.kind());
      if (op == null) {
        if (unsupportedStructural(t.kind())) {
          throw error(t, "the spanset operator " + t.text() + " is not supported (supported: >, >>, <, ~, &&, ||)");
        }
        nesting -= chain;
        return left;
      }
      next();
      enter(t);
      chain++;
      left = new Ast.Binary(op, left, spansetPrimary());
    }
  }

  private Ast.Spanset spansetPrimary() throws TraceQlException {
    Token t = peek();
    if (t.kind() == Kind.OPEN_BRACE) {
      return filter();
    }
    if (t.kind() == Kind.OPEN_PAREN) {
      next();
      enter(t);
      Ast.Spanset inner = pipeline();
      expect(Kind.CLOSE_PAREN);
      nesting--;
      return inner;
    }
    if (t.kind() == Kind.IDENTIFIER && List.of("count", "avg", "min", "max", "sum", "select", "by").contains(t.text())) {
      throw error(t, t.text() + "() must follow a spanset and '|', as in { } | " + t.text() + "()");
    }
    throw unexpected(t, "'{' or '('");
  }

  private Ast.Filter filter() throws TraceQlException {
    expect(Kind.OPEN_BRACE);
    if (accept(Kind.CLOSE_BRACE)) {
      return new Ast.Filter(SpanCondition.TRUE);
    }
    SpanCondition c = fieldExpression();
    expect(Kind.CLOSE_BRACE);
    return new Ast.Filter(c);
  }

  private SpanCondition fieldExpression() throws TraceQlException {
    List<SpanCondition> parts = new ArrayList<>();
    parts.add(fieldUnary());
    Kind logic = null;
    while (peek().kind() == Kind.AND || peek().kind() == Kind.OR) {
      Token op = next();
      if (logic != null && logic != op.kind()) {
        throw error(op, "mixing && and || needs parentheses, as in (a && b) || c");
      }
      logic = op.kind();
      parts.add(fieldUnary());
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return logic == Kind.AND ? new SpanCondition.All(parts) : new SpanCondition.Any(parts);
  }

  private SpanCondition fieldUnary() throws TraceQlException {
    Token t = peek();
    if (t.kind() == Kind.NOT) {
      next();
      enter(t);
      SpanCondition negated = SpanCondition.not(fieldUnary());
      nesting--;
      return negated;
    }
    if (t.kind() == Kind.OPEN_PAREN) {
      next();
      enter(t);
      SpanCondition inner = fieldExpression();
      expect(Kind.CLOSE_PAREN);
      nesting--;
      return inner;
    }
    return comparisonExpression();
  }

  private SpanCondition comparisonExpression() throws TraceQlException {
    Operand left = operand();
    Token opToken = peek();
    if (arithmetic(opToken.kind())) {
      throw error(opToken, "arithmetic (" + opToken.text() + ") is not supported");
    }
    Comparison op = comparison(opToken);
    if (op == null) {
      if (left.value != null && left.value.kind == Kind.IDENTIFIER && left.value.value instanceof Boolean) {
        return (Boolean) left.value.value ? SpanCondition.TRUE : new SpanCondition.Any(List.of());
      }
      throw unexpected(opToken, "a comparison (=, !=, <, <=, >, >=, =~, !~) after " + left.token.describe());
    }
    next();
    Operand right = operand();
    if (arithmetic(peek().kind())) {
      throw error(peek(), "arithmetic (" + peek().text() + ") is not supported");
    }
    if (left.field != null && right.field != null) {
      throw error(right.token, "comparing two fields is not supported (expected a value such as \"text\", 200 or 1s)");
    }
    if (left.field == null && right.field == null) {
      throw error(left.token, "comparing two values is not supported (expected a field such as name or span.http.method)");
    }
    if (left.field == null) {
      if (op.isRegex()) {
        throw error(left.token, "the regular expression must be on the right of " + op.symbol());
      }
      op = flip(op);
      Operand swap = left;
      left = right;
      right = swap;
    }
    return compare(left.field, left.token, op, opToken, right.value);
  }

  private SpanCondition compare(Field field, Token fieldToken, Comparison op, Token opToken, Static value)
      throws TraceQlException {
    referenced.add(field);
    if (value.kind == Kind.IDENTIFIER && value.value == null) {
      if (op == Comparison.EQ) {
        return SpanCondition.not(SpanCondition.exists(field));
      }
      if (op == Comparison.NE) {
        return SpanCondition.exists(field);
      }
      throw error(opToken, "nil is compared with = or != only");
    }
    Value v = valueFor(field, value);
    try {
      return SpanCondition.compare(field, op, v);
    } catch (IllegalArgumentException e) {
      throw error(opToken, e.getMessage());
    }
  }

  private Value valueFor(Field field, Static s) throws TraceQlException {
    if (field instanceof Intrinsic) {
      Intrinsic i = (Intrinsic) field;
      switch (i.valueKind()) {
        case STATUS:
          if (s.value instanceof StatusCode) {
            return Value.status((StatusCode) s.value);
          }
          throw error(s.token, field + " is compared with ok, error or unset, not " + s.token.describe());
        case KIND:
          if (s.value instanceof SpanKind) {
            return Value.kind((SpanKind) s.value);
          }
          throw error(s.token, field + " is compared with unspecified, internal, server, client, producer or"
              + " consumer, not " + s.token.describe());
        case DURATION:
          if (s.kind == Kind.DURATION) {
            return new Value.Nanos((Long) s.value);
          }
          throw error(s.token, field + " is compared with a duration such as 100ms, not " + s.token.describe());
        default:
          if (s.kind == Kind.STRING) {
            return Value.string((String) s.value);
          }
          throw error(s.token, field + " is compared with a string, not " + s.token.describe());
      }
    }
    switch (s.kind) {
      case STRING: return Value.string((String) s.value);
      case INTEGER: return Value.integer((Long) s.value);
      case FLOAT: return Value.decimal((Double) s.value);
      default:
        if (s.value instanceof Boolean) {
          return Value.bool((Boolean) s.value);
        }
        throw error(s.token, "comparing an attribute with " + s.token.describe() + " is not supported"
            + " (expected a string, number or boolean)");
    }
  }

  /** A field or a value on one side of a comparison. */
  private record Operand(Token token, Field field, Static value) {}

  /** A literal: its token kind (IDENTIFIER for keywords), and its value (null for nil). */
  private record Static(Token token, Kind kind, Object value) {}

  private Operand operand() throws TraceQlException {
    Token t = peek();
    if (t.kind() == Kind.ATTRIBUTE || (t.kind() == Kind.IDENTIFIER && !keyword(t.text()))) {
      next();
      return new Operand(t, field(t), null);
    }
    if (t.kind() == Kind.OPEN_PAREN) {
      throw error(t, "parentheses around a field or value are not supported");
    }
    next();
    return new Operand(t, null, staticValue(t));
  }

  private Static staticValue(Token t) throws TraceQlException {
    switch (t.kind()) {
      case STRING:
        return new Static(t, Kind.STRING, t.text());
      case INTEGER:
        try {
          return new Static(t, Kind.INTEGER, Long.parseLong(t.text()));
        } catch (NumberFormatException e) {
          throw error(t, "the number " + t.text() + " is out of range");
        }
      case FLOAT:
        return new Static(t, Kind.FLOAT, Double.parseDouble(t.text()));
      case DURATION:
        return new Static(t, Kind.DURATION, durationNanos(t));
      case MINUS: {
        enter(t);
        Token n = next();
        Static s = staticValue(n);
        nesting--;
        if (s.kind == Kind.INTEGER) {
          return new Static(t, Kind.INTEGER, -(Long) s.value);
        }
        if (s.kind == Kind.FLOAT) {
          return new Static(t, Kind.FLOAT, -(Double) s.value);
        }
        if (s.kind == Kind.DURATION) {
          return new Static(t, Kind.DURATION, -(Long) s.value);
        }
        throw unexpected(n, "a number or duration after '-'");
      }
      case IDENTIFIER:
        switch (t.text()) {
          case "true": return new Static(t, Kind.IDENTIFIER, Boolean.TRUE);
          case "false": return new Static(t, Kind.IDENTIFIER, Boolean.FALSE);
          case "nil": return new Static(t, Kind.IDENTIFIER, null);
          default:
            if (STATUSES.containsKey(t.text())) {
              return new Static(t, Kind.IDENTIFIER, STATUSES.get(t.text()));
            }
            if (KINDS.containsKey(t.text())) {
              return new Static(t, Kind.IDENTIFIER, KINDS.get(t.text()));
            }
            throw unexpected(t, "a value");
        }
      default:
        throw unexpected(t, "a value (a string, number, duration, true, false, nil, a status or a span kind)");
    }
  }

  private Field field(Token t) throws TraceQlException {
    if (t.kind() == Kind.ATTRIBUTE) {
      String text = t.text();
      int dot = text.indexOf('.');
      String scope = text.substring(0, dot);
      String key = text.substring(dot + 1);
      switch (scope) {
        case "": return Attribute.any(key);
        case "span": return Attribute.span(key);
        case "resource": return Attribute.resource(key);
        default:
          throw error(t, "the attribute scope " + scope + ". is not supported (supported: span., resource."
              + " and unscoped .name)");
      }
    }
    if (t.kind() == Kind.IDENTIFIER) {
      Intrinsic i = INTRINSICS.get(t.text());
      if (i != null) {
        return i;
      }
      if (!keyword(t.text()) && !List.of("count", "avg", "min", "max", "sum", "select", "by").contains(t.text())) {
        throw error(t, "the intrinsic " + t.text() + " is not supported (supported: name, status,"
            + " statusMessage, kind, duration, event:name, trace:duration, trace:rootService,"
            + " trace:rootName and their span: forms)");
      }
    }
    throw unexpected(t, "a field (an intrinsic such as duration, or an attribute such as span.http.method)");
  }

  private static boolean keyword(String word) {
    return word.equals("true") || word.equals("false") || word.equals("nil")
        || STATUSES.containsKey(word) || KINDS.containsKey(word);
  }

  private static long durationNanos(Token t) throws TraceQlException {
    Matcher m = DURATION_PART.matcher(t.text());
    BigDecimal nanos = BigDecimal.ZERO;
    while (m.find()) {
      long unit;
      switch (m.group(2)) {
        case "ns": unit = 1L; break;
        case "us": case "µs": unit = 1_000L; break;
        case "ms": unit = 1_000_000L; break;
        case "s": unit = 1_000_000_000L; break;
        case "m": unit = 60_000_000_000L; break;
        default: unit = 3_600_000_000_000L;
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new TraceQlException("the duration " + t.text() + " is out of range", t.line(), t.column());
    }
    return nanos.longValue();
  }

  private static Comparison comparison(Token t) {
    switch (t.kind()) {
      case EQ: return Comparison.EQ;
      case NE: return Comparison.NE;
      case GT: return Comparison.GT;
      case GE: return Comparison.GE;
      case LT: return Comparison.LT;
      case LE: return Comparison.LE;
      case RE: return Comparison.MATCHES;
      case NRE: return Comparison.NOT_MATCHES;
      default: return null;
    }
  }

  private static Comparison flip(Comparison op) {
    switch (op) {
      case GT: return Comparison.LT;
      case GE: return Comparison.LE;
      case LT: return Comparison.GT;
      case LE: return Comparison.GE;
      default: return op;
    }
  }

  private static Op structural(Kind k) {
    switch (k) {
      case GT: return Op.CHILD;
      case DESC: return Op.DESCENDANT;
      case LT: return Op.PARENT;
      case TILDE: return Op.SIBLING;
      default: return null;
    }
  }

  private static boolean unsupportedStructural(Kind k) {
    return k == Kind.ANCESTOR || k == Kind.NOT_CHILD || k == Kind.NOT_DESC || k == Kind.NOT_PARENT
        || k == Kind.NOT_ANCESTOR || k == Kind.NRE || k == Kind.UNION_OP;
  }

  private static boolean arithmetic(Kind k) {
    return k == Kind.PLUS || k == Kind.MINUS || k == Kind.STAR || k == Kind.SLASH || k == Kind.PERCENT
        || k == Kind.CARET;
  }

  private Token peek() {
    return tokens.get(pos);
  }

  private Token next() {
    Token t = tokens.get(pos);
    if (t.kind() != Kind.END) {
      pos++;
    }
    return t;
  }

  private boolean accept(Kind kind) {
    if (peek().kind() == kind) {
      next();
      return true;
    }
    return false;
  }

  private void expect(Kind kind) throws TraceQlException {
    if (!accept(kind)) {
      throw unexpected(peek(), kind.description);
    }
  }

  /** Counts one more level of nesting at {@code t}; the caller counts it down when done. */
  private void enter(Token t) throws TraceQlException {
    if (++nesting > MAX_NESTING) {
      throw error(t, "the query nests deeper than " + MAX_NESTING + " levels (expected: at most " + MAX_NESTING
          + " levels of parentheses, '!', '-' and spanset operators in a row)");
    }
  }

  private static TraceQlException unexpected(Token t, String expected) {
    return error(t, "expected " + expected + " but found " + t.describe());
  }

  private static TraceQlException error(Token t, String message) {
    return new TraceQlException(message, t.line(), t.column());
  }
}
