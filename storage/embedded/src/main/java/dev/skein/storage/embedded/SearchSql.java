package dev.skein.storage.embedded;

import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.Regexes;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.Value;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns search conditions into DuckDB SQL with the exact meaning {@link SpanCondition} and
 * {@link TraceCondition} define. Values are bound as parameters; regular expressions are written
 * as string literals so DuckDB compiles each once. Every condition yields true or false, never
 * NULL, so {@code NOT} means what it says.
 *
 * <p>Aliases: {@code t} is the {@code traces} row a search returns; {@code s} a span,
 * {@code tt} the summary of the span's trace (joined only when a condition needs it).
 */
final class SearchSql {
  private static final byte STRING = 1;
  private static final byte BOOL = 2;
  private static final byte INT = 3;
  private static final byte DOUBLE = 4;

  private final StringBuilder sql = new StringBuilder();
  private final List<Object> params = new ArrayList<>();
  private boolean regex;

  /** The statement text so far. */
  String sql() {
    return sql.toString();
  }

  /** Whether the statement evaluates a regular expression, and so runs under the regex budget. */
  boolean hasRegex() {
    return regex;
  }

  void bind(PreparedStatement ps) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
  }

  /** The search: summaries of matching traces in order, one more than the limit. */
  static SearchSql search(TraceQuery q) {
    SearchSql s = new SearchSql();
    s.sql.append("SELECT t.trace_id, t.start_ns, t.duration_ns, t.span_count, t.error_count,"
        + " t.root_service, t.root_name, t.services FROM traces t WHERE t.start_ns >= ? AND t.start_ns <= ?");
    s.params.add(q.startMinNanos());
    s.params.add(q.startMaxNanos());
    if (q.minDurationNanos() != null) {
      s.sql.append(" AND t.duration_ns >= ?");
      s.params.add(q.minDurationNanos());
    }
    if (q.maxDurationNanos() != null) {
      s.sql.append(" AND t.duration_ns <= ?");
      s.params.add(q.maxDurationNanos());
    }
    if (q.cursor() != null) {
      s.sql.append(" AND ");
      s.cursor(q.cursor());
    }
    if (q.condition() != null) {
      s.sql.append(" AND ");
      s.trace(q.condition(), q.startMinNanos());
    }
    switch (q.order()) {
      case NEWEST:
        s.sql.append(" ORDER BY t.start_ns DESC, t.trace_id");
        break;
      case OLDEST:
        s.sql.append(" ORDER BY t.start_ns, t.trace_id");
        break;
      case SLOWEST:
        s.sql.append(" ORDER BY t.duration_ns DESC, t.start_ns DESC, t.trace_id");
        break;
      default:
        s.sql.append(" ORDER BY t.error_count DESC, t.start_ns DESC, t.trace_id");
    }
    s.sql.append(" LIMIT ?");
    s.params.add((long) q.limit() + 1);
    return s;
  }

  /** The spans a tag query looks at: {@code s} (and {@code tt}) filtered by time and condition. */
  static SearchSql selectedSpans(TagQuery q, String columns) {
    SearchSql s = new SearchSql();
    s.sql.append("SELECT ").append(columns).append(" FROM spans s");
    if (needsTrace(q.where())) {
      s.sql.append(" JOIN traces tt ON tt.trace_id = s.trace_id");
    }
    s.sql.append(" WHERE s.start_ns >= ? AND s.start_ns <= ? AND ");
    s.params.add(q.startMinNanos());
    s.params.add(q.startMaxNanos());
    s.span(q.where(), q.startMinNanos());
    return s;
  }

  /** Appends to the statement: {@code text} with its parameters. */
  SearchSql append(String text, Object... values) {
    sql.append(text);
    params.addAll(List.of(values));
    return this;
  }

  /** Appends {@code open}, the statement {@code sub} with its parameters, and {@code close}. */
  SearchSql appendSubquery(String open, SearchSql sub, String close) {
    sql.append(open).append(sub.sql).append(close);
    params.addAll(sub.params);
    regex |= sub.regex;
    return this;
  }

  private void cursor(Cursor c) {
    String primary;
    switch (c.order()) {
      case OLDEST:
        sql.append("(t.start_ns > ? OR (t.start_ns = ? AND t.trace_id > ?))");
        params.add(c.primaryKey());
        params.add(c.primaryKey());
        params.add(c.traceId().bytes().toByteArray());
        return;
      case NEWEST:
        sql.append("(t.start_ns < ? OR (t.start_ns = ? AND t.trace_id > ?))");
        params.add(c.primaryKey());
        params.add(c.primaryKey());
        params.add(c.traceId().bytes().toByteArray());
        return;
      case SLOWEST:
        primary = "t.duration_ns";
        break;
      default:
        primary = "t.error_count";
    }
    sql.append("(").append(primary).append(" < ? OR (").append(primary)
        .append(" = ? AND (t.start_ns < ? OR (t.start_ns = ? AND t.trace_id > ?))))");
    params.add(c.primaryKey());
    params.add(c.primaryKey());
    params.add(c.startNanos());
    params.add(c.startNanos());
    params.add(c.traceId().bytes().toByteArray());
  }

  private void trace(TraceCondition c, long minStart) {
    if (c instanceof TraceCondition.HasSpan) {
      SpanCondition span = ((TraceCondition.HasSpan) c).condition();
      if (span instanceof SpanCondition.Compare && ((SpanCondition.Compare) span).field() instanceof Attribute) {
        attribute((Attribute) ((SpanCondition.Compare) span).field(), minStart, (SpanCondition.Compare) span, true);
        return;
      }
      if (span instanceof SpanCondition.Exists && ((SpanCondition.Exists) span).field() instanceof Attribute) {
        attribute((Attribute) ((SpanCondition.Exists) span).field(), minStart, null, true);
        return;
      }
      sql.append("t.trace_id IN (SELECT s.trace_id FROM spans s");
      if (needsTrace(span)) {
        sql.append(" JOIN traces tt ON tt.trace_id = s.trace_id");
      }
      // Every span of a trace starts no earlier than the trace, so older spans cannot match.
      sql.append(" WHERE s.start_ns >= ? AND ");
      params.add(minStart);
      span(span, minStart);
      sql.append(')');
      return;
    }
    boolean all = c instanceof TraceCondition.AllOf;
    List<TraceCondition> parts = all ? ((TraceCondition.AllOf) c).conditions() : ((TraceCondition.AnyOf) c).conditions();
    if (parts.isEmpty()) {
      sql.append(all ? "TRUE" : "FALSE");
      return;
    }
    sql.append('(');
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        sql.append(all ? " AND " : " OR ");
      }
      trace(parts.get(i), minStart);
    }
    sql.append(')');
  }

  void span(SpanCondition c, long minStart) {
    if (c instanceof SpanCondition.All || c instanceof SpanCondition.Any) {
      boolean all = c instanceof SpanCondition.All;
      List<SpanCondition> parts = all ? ((SpanCondition.All) c).conditions() : ((SpanCondition.Any) c).conditions();
      if (parts.isEmpty()) {
        sql.append(all ? "TRUE" : "FALSE");
        return;
      }
      sql.append('(');
      for (int i = 0; i < parts.size(); i++) {
        if (i > 0) {
          sql.append(all ? " AND " : " OR ");
        }
        span(parts.get(i), minStart);
      }
      sql.append(')');
    } else if (c instanceof SpanCondition.Not) {
      sql.append("(NOT ");
      span(((SpanCondition.Not) c).condition(), minStart);
      sql.append(')');
    } else if (c instanceof SpanCondition.Exists) {
      exists((SpanCondition.Exists) c, minStart);
    } else {
      compare((SpanCondition.Compare) c, minStart);
    }
  }

  private void exists(SpanCondition.Exists c, long minStart) {
    if (c.field() instanceof Attribute) {
      attribute((Attribute) c.field(), minStart, null, false);
      return;
    }
    switch ((Intrinsic) c.field()) {
      case EVENT_NAME:
        sql.append("EXISTS (SELECT 1 FROM span_events e WHERE e.span_no = s.span_no)");
        break;
      case ROOT_SERVICE:
        sql.append("(tt.root_service IS NOT NULL)");
        break;
      case ROOT_NAME:
        sql.append("(tt.root_name IS NOT NULL)");
        break;
      default:
        sql.append("TRUE");
    }
  }

  private void compare(SpanCondition.Compare c, long minStart) {
    if (c.field() instanceof Attribute) {
      attribute((Attribute) c.field(), minStart, c, false);
      return;
    }
    switch ((Intrinsic) c.field()) {
      case SERVICE:
        string("s.service", c);
        break;
      case NAME:
        string("s.name", c);
        break;
      case STATUS_MESSAGE:
        string("s.status_message", c);
        break;
      case ROOT_SERVICE:
        sql.append("coalesce(tt.root_service IS NOT NULL AND ");
        string("tt.root_service", c);
        sql.append(", FALSE)");
        break;
      case ROOT_NAME:
        sql.append("coalesce(tt.root_name IS NOT NULL AND ");
        string("tt.root_name", c);
        sql.append(", FALSE)");
        break;
      case EVENT_NAME:
        sql.append("EXISTS (SELECT 1 FROM span_events e WHERE e.span_no = s.span_no AND ");
        string("e.name", c);
        sql.append(')');
        break;
      case KIND:
        sql.append(c.op() == Comparison.EQ ? "s.kind = ?" : "s.kind <> ?");
        params.add((long) ((Value.Kind) c.value()).value().getNumber());
        break;
      case STATUS:
        sql.append(c.op() == Comparison.EQ ? "s.status_code = ?" : "s.status_code <> ?");
        params.add((long) ((Value.Status) c.value()).value().getNumber());
        break;
      case DURATION:
        sql.append("s.duration_ns ").append(operator(c.op())).append(" ?");
        params.add(((Value.Nanos) c.value()).value());
        break;
      default:
        sql.append("tt.duration_ns ").append(operator(c.op())).append(" ?");
        params.add(((Value.Nanos) c.value()).value());
    }
  }

  /**
   * An attribute of the span, its resource, or either: present ({@code c} null) or compared.
   * Span attribute rows are pruned by the search's range through their span numbers.
   *
   * @param perTrace whether to test the trace {@code t} for a span with the attribute rather than
   *     the span {@code s}: the spans of the range are joined with the matching attribute rows, so
   *     only the spans that have the attribute are tested (far cheaper than testing every span)
   */
  private void attribute(Attribute a, long minStart, SpanCondition.Compare c, boolean perTrace) {
    boolean both = a.scope() == TagScope.ANY;
    if (both) {
      sql.append('(');
    }
    if (a.scope() != TagScope.RESOURCE) {
      attributeRows(perTrace, "span_attributes a", "span_no", minStart);
      sql.append(" a.span_no >= ").append(firstSpanNo(minStart)).append(" AND a.key = ?");
      params.add(a.key());
      if (c != null) {
        sql.append(" AND ");
        value("a", c);
      }
      sql.append(perTrace ? "))" : ")");
    }
    if (both) {
      sql.append(" OR ");
    }
    if (a.scope() != TagScope.SPAN) {
      attributeRows(perTrace, "resource_attributes r", "resource_id", minStart);
      sql.append(" r.key = ?");
      params.add(a.key());
      if (c != null) {
        sql.append(" AND ");
        value("r", c);
      }
      sql.append(perTrace ? "))" : ")");
    }
    if (both) {
      sql.append(')');
    }
  }

  /**
   * Opens the test for attribute rows of {@code table} (with its alias) linked to spans by
   * {@code link}: of a span of the trace {@code t} in range, or of the span {@code s}. The caller
   * appends the rows' conditions and closes it with {@code "))"} or {@code ")"} respectively.
   */
  private void attributeRows(boolean perTrace, String table, String link, long minStart) {
    String alias = table.substring(table.indexOf(' ') + 1);
    if (perTrace) {
      sql.append("t.trace_id IN (SELECT s.trace_id FROM spans s WHERE s.start_ns >= ? AND s.").append(link)
          .append(" IN (SELECT ").append(alias).append('.').append(link).append(" FROM ").append(table).append(" WHERE");
      params.add(minStart);
    } else {
      sql.append("EXISTS (SELECT 1 FROM ").append(table).append(" WHERE ").append(alias).append('.').append(link)
          .append(" = s.").append(link).append(" AND");
    }
  }

  /**
   * A subquery: the lowest span number of a span starting at or after {@code minStart} (none when
   * no span does), which the caller binds next. Span numbers rise as span rows are appended, so
   * every row of {@code span_attributes} or {@code span_events} of such a span has at least this
   * number, and DuckDB skips the row groups of lower numbers once it knows the number.
   */
  String firstSpanNo(long minStart) {
    params.add(minStart);
    return "(SELECT coalesce(min(span_no), 9223372036854775807) FROM spans WHERE start_ns >= ?)";
  }

  /** The comparison of an attribute row {@code x}'s value, typed as {@link SpanCondition} says. */
  private void value(String x, SpanCondition.Compare c) {
    Value v = c.value();
    if (v instanceof Value.Text) {
      string(x + ".value", c);
    } else if (v instanceof Value.Str) {
      sql.append('(').append(x).append(".type = ").append(STRING).append(" AND ");
      string(x + ".value", c);
      sql.append(')');
    } else if (v instanceof Value.Bool) {
      sql.append('(').append(x).append(".type = ").append(BOOL).append(" AND ").append(x)
          .append(c.op() == Comparison.EQ ? ".value = ?)" : ".value <> ?)");
      params.add(Boolean.toString(((Value.Bool) v).value()));
    } else if (v instanceof Value.Int) {
      number(x, c.op(), ((Value.Int) v).value(), "?", "CAST(? AS DOUBLE)");
    } else {
      number(x, c.op(), ((Value.Dbl) v).value(), "CAST(? AS DOUBLE)", "?");
    }
  }

  /**
   * Compares the number of an integer or double attribute row {@code x}, cast from its text (Java's
   * exact form of the number), with {@code against}, bound as {@code asInt} for integer rows and
   * {@code asDouble} for double rows. A NaN (text {@code NaN}) compares with nothing. The casts are
   * TRY_CASTs: DuckDB may evaluate them for rows of other types too, whose text is no number.
   */
  private void number(String x, Comparison op, Object against, String asInt, String asDouble) {
    String sqlOp = operator(op);
    sql.append("((").append(x).append(".type = ").append(INT).append(" AND TRY_CAST(").append(x)
        .append(".value AS BIGINT) ").append(sqlOp).append(' ').append(asInt).append(") OR (").append(x)
        .append(".type = ").append(DOUBLE).append(" AND ").append(x).append(".value <> 'NaN' AND TRY_CAST(")
        .append(x).append(".value AS DOUBLE) ").append(sqlOp).append(' ').append(asDouble).append("))");
    params.add(against);
    params.add(against);
  }

  /** A string comparison of {@code column} (never NULL where this is used). */
  private void string(String column, SpanCondition.Compare c) {
    switch (c.op()) {
      case EQ:
      case NE:
        sql.append(column).append(c.op() == Comparison.EQ ? " = ?" : " <> ?");
        params.add(c.value() instanceof Value.Str ? ((Value.Str) c.value()).value() : ((Value.Text) c.value()).value());
        break;
      default:
        regex = true;
        sql.append(c.op() == Comparison.MATCHES ? "" : "NOT ").append("regexp_full_match(").append(column)
            .append(", ").append(literal(Regexes.wholeText(c.regex()))).append(')');
    }
  }

  private static String operator(Comparison op) {
    switch (op) {
      case EQ: return "=";
      case NE: return "<>";
      case GT: return ">";
      case GE: return ">=";
      case LT: return "<";
      case LE: return "<=";
      default: throw new IllegalStateException("checked when the condition was made: " + op);
    }
  }

  /** A SQL string literal; DuckDB reads backslashes literally, so only quotes are doubled. */
  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  private static boolean needsTrace(SpanCondition c) {
    if (c instanceof SpanCondition.All) {
      return ((SpanCondition.All) c).conditions().stream().anyMatch(SearchSql::needsTrace);
    }
    if (c instanceof SpanCondition.Any) {
      return ((SpanCondition.Any) c).conditions().stream().anyMatch(SearchSql::needsTrace);
    }
    if (c instanceof SpanCondition.Not) {
      return needsTrace(((SpanCondition.Not) c).condition());
    }
    var field = c instanceof SpanCondition.Exists ? ((SpanCondition.Exists) c).field()
        : ((SpanCondition.Compare) c).field();
    return field instanceof Intrinsic && ((Intrinsic) field).isTraceLevel();
  }
}
