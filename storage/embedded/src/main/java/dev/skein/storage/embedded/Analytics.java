package dev.skein.storage.embedded;

import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.CompareResult.AttributeShare;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import org.duckdb.DuckDBConnection;

/**
 * Rate, errors and duration, baselines and comparisons as SQL over the {@code spans} table and
 * the attribute tables. The {@code spans} table holds each distinct span once, so nothing here
 * deduplicates spans. Percentiles come from DuckDB's {@code quantile_disc}, which for a fraction
 * {@code k / 100} returns the value at index ceil(k * n / 100) - 1 of the sorted values (index 0
 * for k = 0): the nearest rank.
 */
final class Analytics {
  private static final byte ERROR = 2;
  /** The attribute types a comparison counts: string, bool, int and double. */
  private static final String COMPARED_TYPES = "(1, 2, 3, 4)";
  private static final Comparator<RedPoint> RED_ORDER = Comparator.comparing(RedPoint::service)
      .thenComparing(RedPoint::operation, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparingLong(RedPoint::bucketStartNanos);
  private static final Comparator<AttributeShare> SHARE_ORDER =
      Comparator.comparingDouble(AttributeShare::difference).reversed()
          .thenComparing(AttributeShare::scope)
          .thenComparing(AttributeShare::key)
          .thenComparing(AttributeShare::value);

  private Analytics() {}

  static List<RedPoint> red(DuckDBConnection connection, RedQuery q) throws SQLException {
    // Start and step are literals so the bucket expression is the same in SELECT and GROUP BY.
    String bucket = "(start_ns - " + q.startNanos() + ") // " + q.stepNanos();
    SearchSql sql = new SearchSql().append("SELECT service, " + (q.byOperation() ? "name" : "NULL")
        + ", " + bucket + ", count(*), count(*) FILTER (WHERE status_code = " + ERROR + "),"
        + " quantile_disc(duration_ns, [0.5, 0.95, 0.99]), max(duration_ns), sum(duration_ns)::BIGINT"
        + " FROM spans WHERE start_ns >= ? AND start_ns < ?", q.startNanos(), q.endNanos());
    if (q.service() != null) {
      sql.append(" AND service = ?", q.service());
    }
    if (q.operation() != null) {
      sql.append(" AND name = ?", q.operation());
    }
    if (q.spanKind() != null) {
      sql.append(" AND kind = ?", q.spanKind().getNumber());
    }
    sql.append(" GROUP BY ALL");
    List<RedPoint> out = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(sql.sql())) {
      sql.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long[] p = longs(rs, 6);
          out.add(new RedPoint(rs.getString(1), rs.getString(2), q.startNanos() + rs.getLong(3) * q.stepNanos(),
              rs.getLong(4), rs.getLong(5), p[0], p[1], p[2], rs.getLong(7), rs.getLong(8)));
        }
      }
    }
    out.sort(RED_ORDER);
    return List.copyOf(out);
  }

  static List<Baseline> baselines(DuckDBConnection connection, Collection<OperationKey> operations,
      long startNanos, long endNanos, @Nullable TraceId excluding) throws SQLException {
    List<OperationKey> wanted = List.copyOf(new LinkedHashSet<>(operations));
    if (wanted.isEmpty()) {
      return List.of();
    }
    StringBuilder fractions = new StringBuilder("[");
    for (int k = 0; k <= 100; k++) {
      fractions.append(k == 0 ? "" : ", ").append(k / 100.0);
    }
    SearchSql sql = new SearchSql().append("SELECT s.service, s.name, count(*), quantile_disc(s.duration_ns, "
        + fractions + "]) FROM spans s JOIN (VALUES ");
    for (int i = 0; i < wanted.size(); i++) {
      sql.append(i == 0 ? "(?, ?)" : ", (?, ?)", wanted.get(i).service(), wanted.get(i).operation());
    }
    sql.append(") k(service, name) ON s.service = k.service AND s.name = k.name"
        + " WHERE s.start_ns >= ? AND s.start_ns < ?", startNanos, endNanos);
    if (excluding != null) {
      sql.append(" AND s.trace_id <> ?", (Object) excluding.bytes().toByteArray());
    }
    sql.append(" GROUP BY s.service, s.name");
    List<Baseline> found = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(sql.sql())) {
      sql.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new Baseline(new OperationKey(rs.getString(1), rs.getString(2)), rs.getLong(3), longs(rs, 4)));
        }
      }
    }
    found.sort(Comparator.comparingInt(b -> wanted.indexOf(b.operation())));
    return List.copyOf(found);
  }

  static CompareResult compare(DuckDBConnection connection, CompareQuery q) throws SQLException {
    try (Statement tx = connection.createStatement()) {
      // One snapshot for the counts and the attributes, so retention cannot run in between.
      tx.execute("BEGIN TRANSACTION");
      try {
        long[] spans = new long[2];
        SearchSql counts = population(q).append(" SELECT count(*) FILTER (WHERE sel), count(*) FILTER (WHERE NOT sel)"
            + " FROM p");
        query(connection, counts, rs -> {
          spans[0] = rs.getLong(1);
          spans[1] = rs.getLong(2);
        });
        String rank = " ORDER BY " + share("sc", spans[0]) + " - " + share("bc", spans[1])
            + " DESC, key, value LIMIT " + q.limit();
        List<AttributeShare> shares = new ArrayList<>();
        // A span carrying the same value twice (a repeated key) counts once, hence DISTINCT.
        SearchSql span = population(q);
        span.append(", x AS (SELECT DISTINCT a.span_no, a.key, a.value, p.sel FROM span_attributes a"
            + " JOIN p ON a.span_no = p.span_no WHERE a.span_no >= " + span.firstSpanNo(q.startNanos())
            + " AND a.type IN " + COMPARED_TYPES + ")"
            + " SELECT key, value, count(*) FILTER (WHERE sel) AS sc, count(*) FILTER (WHERE NOT sel) AS bc"
            + " FROM x GROUP BY key, value" + rank);
        query(connection, span, rs -> shares.add(new AttributeShare("span", rs.getString(1), rs.getString(2),
            rs.getLong(3), rs.getLong(4), spans[0], spans[1])));
        SearchSql resource = population(q).append(", r AS (SELECT resource_id, count(*) FILTER (WHERE sel) AS n,"
            + " count(*) FILTER (WHERE NOT sel) AS m FROM p GROUP BY resource_id),"
            + " ra AS (SELECT DISTINCT resource_id, key, value FROM resource_attributes WHERE type IN "
            + COMPARED_TYPES + ")"
            + " SELECT key, value, sum(r.n)::BIGINT AS sc, sum(r.m)::BIGINT AS bc"
            + " FROM r JOIN ra ON r.resource_id = ra.resource_id GROUP BY key, value" + rank);
        query(connection, resource, rs -> shares.add(new AttributeShare("resource", rs.getString(1),
            rs.getString(2), rs.getLong(3), rs.getLong(4), spans[0], spans[1])));
        tx.execute("COMMIT");
        shares.sort(SHARE_ORDER);
        return new CompareResult(spans[0], spans[1], shares.subList(0, Math.min(shares.size(), q.limit())));
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(tx, e);
        throw e;
      }
    }
  }

  /** {@code WITH p AS (...)}: the population's spans, with {@code sel} telling whether each is selected. */
  private static SearchSql population(CompareQuery q) {
    CompareQuery.Selection s = q.selection();
    List<String> conditions = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    if (s.minDurationNanos() != null) {
      conditions.add("duration_ns >= ?");
      values.add(s.minDurationNanos());
    }
    if (s.maxDurationNanos() != null) {
      conditions.add("duration_ns <= ?");
      values.add(s.maxDurationNanos());
    }
    if (s.startMinNanos() != null) {
      conditions.add("start_ns >= ?");
      values.add(s.startMinNanos());
    }
    if (s.startMaxNanos() != null) {
      conditions.add("start_ns < ?");
      values.add(s.startMaxNanos());
    }
    if (s.errorsOnly()) {
      conditions.add("status_code = " + ERROR);
    }
    SearchSql sql = new SearchSql().append("WITH p AS (SELECT span_no, resource_id, ("
        + String.join(" AND ", conditions) + ") AS sel", values.toArray());
    sql.append(" FROM spans WHERE start_ns >= ? AND start_ns < ?", q.startNanos(), q.endNanos());
    if (q.service() != null) {
      sql.append(" AND service = ?", q.service());
    }
    if (q.operation() != null) {
      sql.append(" AND name = ?", q.operation());
    }
    return sql.append(")");
  }

  /** The share of {@code spans} spans that {@code column} counts, computed as Java computes it. */
  private static String share(String column, long spans) {
    return spans == 0 ? "0.0" : "(" + column + "::DOUBLE / " + spans + "::DOUBLE)";
  }

  private static void query(DuckDBConnection connection, SearchSql sql, RowReader rows) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(sql.sql())) {
      sql.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.read(rs);
        }
      }
    }
  }

  /** The BIGINT list in column {@code column}. */
  private static long[] longs(ResultSet rs, int column) throws SQLException {
    Object[] values = (Object[]) rs.getArray(column).getArray();
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = ((Number) values[i]).longValue();
    }
    return out;
  }

  @FunctionalInterface
  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }
}
