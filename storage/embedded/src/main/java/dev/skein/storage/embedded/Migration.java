package dev.skein.storage.embedded;

import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database of an earlier schema version to version {@link Schema#VERSION}, in one
 * transaction before the store takes writes: an interrupted migration leaves the file at its
 * version, to be migrated on the next start.
 *
 * <p>Version 1 kept the same lossless span, resource and scope bytes, so every span is read back
 * and written again through {@link TraceTables}, which derives the new columns, the typed
 * attributes, the events and the trace summaries. Version 2 differs from version 3 only in storing
 * the span bytes whole, which later versions read as they are. Versions 2 and 3 found a trace's
 * spans by an index on their trace IDs; version 4 by batch numbers, which the migration adds.
 * Version 5 adds the dictionaries spans written from then on are compressed with. Version 6 numbers
 * the spans, and attribute and event rows name their span by that number. Version 7 drops the
 * columns a span row's end time and key were stored in, and an attribute row's number.
 */
final class Migration {
  private static final Logger logger = LoggerFactory.getLogger(Migration.class);
  private static final List<String> OLD_TABLES =
      List.of("spans", "span_attributes", "resources", "resource_attributes", "scopes", "operations");
  /** Spans read and rewritten at a time, which bounds the heap the migration needs. */
  private static final int CHUNK = 20_000;
  /** Spans whose attribute and event rows are rewritten at a time when numbering the spans. */
  private static final long RELINK_CHUNK = 100_000;

  private Migration() {}

  /**
   * Brings a file of version {@code found} (0 for a new one, which has the current tables) to
   * {@link Schema#VERSION}. Each step is one transaction and records the version it reached.
   */
  static void fromVersion(DuckDBConnection connection, Path file, int found) throws Exception {
    if (found == 1) {
      fromVersion1(connection, file);
      return;
    }
    if (found == 2 || found == 3) {
      fromVersion2Or3(connection, file, found);
    } else if (found == 4 || found == 5) {
      fromVersion4Or5(connection, file, found);
    }
    if (found >= 2 && found <= 6) {
      fromVersion6(connection, file);
    }
  }

  static void fromVersion1(DuckDBConnection connection, Path file) throws Exception {
    long spans = 0;
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      try {
        s.execute("DROP INDEX IF EXISTS spans_by_trace_id");
        for (String table : OLD_TABLES) {
          s.execute("ALTER TABLE " + table + " RENAME TO v1_" + table);
        }
        for (String ddl : Schema.TABLES) {
          s.execute(ddl);
        }
        SpanCompression compression = new SpanCompression();
        TraceTables tables = new TraceTables(connection, compression);
        long rows;
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM v1_spans")) {
          rs.next();
          rows = rs.getLong(1);
        }
        // Each chunk is read whole before it is written: a connection runs one statement at a time.
        try (PreparedStatement ps = connection.prepareStatement("SELECT r.payload, c.payload, s.span"
            + " FROM v1_spans s JOIN v1_resources r USING (resource_id) JOIN v1_scopes c USING (scope_id)"
            + " WHERE s.rowid >= ? AND s.rowid < ?")) {
          for (long from = 0; from < rows; from += CHUNK) {
            ps.setLong(1, from);
            ps.setLong(2, from + CHUNK);
            Traces.Builder b = Traces.builder();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                b.add(ResourceSpans.parseFrom(rs.getBytes(1)), ScopeSpans.parseFrom(rs.getBytes(2)),
                    Span.parseFrom(rs.getBytes(3)));
              }
            }
            Traces chunk = b.build();
            spans += chunk.spanCount();
            tables.committed(tables.append(List.of(Batch.of(chunk))));
          }
        } finally {
          compression.close();
        }
        for (String table : OLD_TABLES) {
          s.execute("DROP TABLE v1_" + table);
        }
        setVersion(s, Schema.VERSION);
        s.execute("COMMIT");
      } catch (Exception e) {
        Schema.rollback(s, e);
        throw e;
      }
    }
    logger.info("Migrated {} from schema version 1 to {}: {} spans rewritten", file, Schema.VERSION, spans);
  }

  /**
   * Brings a file of version 2 or 3 to version 6: drops the index on the span rows' trace IDs,
   * numbers the span rows' batches in stored order ({@link TraceTables#ROWS_PER_BATCH_SEQ} rows to a
   * number), lists each trace's batch numbers in its summary, adds the table of span
   * compression dictionaries, and numbers the spans in stored order as {@link #numberSpans} does.
   */
  static void fromVersion2Or3(DuckDBConnection connection, Path file, int found) throws SQLException {
    inTransaction(connection, s -> {
      s.execute("DROP INDEX IF EXISTS spans_by_trace_id");
      // Both columns before either is filled: DuckDB refuses to commit a transaction that
      // altered a table after updating it.
      s.execute("ALTER TABLE spans ADD COLUMN batch_seq BIGINT");
      s.execute("ALTER TABLE spans ADD COLUMN span_no BIGINT");
      s.execute("UPDATE spans SET batch_seq = rowid // " + TraceTables.ROWS_PER_BATCH_SEQ + ", span_no = rowid");
      s.execute("ALTER TABLE traces ADD COLUMN batches BIGINT[]");
      s.execute("UPDATE traces SET batches = b.seqs FROM (SELECT trace_id, list(DISTINCT batch_seq ORDER BY batch_seq)"
          + " AS seqs FROM spans GROUP BY trace_id) b WHERE traces.trace_id = b.trace_id");
      s.execute("UPDATE traces SET batches = [] WHERE batches IS NULL");
      s.execute(Schema.SPAN_DICTIONARIES);
      relinkSpanRows(s, RELINK_CHUNK);
    }, 6);
    logger.info("Migrated {} from schema version {} to 6", file, found);
  }

  /**
   * Brings a file of version 4 or 5 to version 6: adds the table of span compression
   * dictionaries to a file of version 4, and numbers the spans as {@link #numberSpans} does.
   */
  static void fromVersion4Or5(DuckDBConnection connection, Path file, int found) throws SQLException {
    fromVersion4Or5(connection, file, found, RELINK_CHUNK);
  }

  /** As {@link #fromVersion4Or5(DuckDBConnection, Path, int)}, rewriting rows {@code chunk} spans at a time. */
  static void fromVersion4Or5(DuckDBConnection connection, Path file, int found, long chunk) throws SQLException {
    long began = System.nanoTime();
    inTransaction(connection, s -> {
      if (found == 4) {
        s.execute(Schema.SPAN_DICTIONARIES);
      }
      numberSpans(s, chunk);
    }, 6);
    logger.info("Migrated {} from schema version {} to 6 in {} s", file, found,
        (System.nanoTime() - began) / 1_000_000_000);
  }

  /**
   * Brings a file of version 6 to version 7: drops the span rows' key and end time columns (the
   * key is kept in the trace's summary, and the end is the start plus the duration) and the
   * attribute rows' integer and double columns (comparisons cast the text form). DuckDB drops a
   * column without rewriting the others; its blocks are free for new rows at the next checkpoint.
   * A file that came from an earlier version lacks some of them already.
   */
  private static void fromVersion6(DuckDBConnection connection, Path file) throws SQLException {
    inTransaction(connection, s -> {
      s.execute("ALTER TABLE spans DROP COLUMN IF EXISTS span_key");
      s.execute("ALTER TABLE spans DROP COLUMN IF EXISTS end_ns");
      for (String table : List.of("span_attributes", "resource_attributes")) {
        s.execute("ALTER TABLE " + table + " DROP COLUMN IF EXISTS int_value");
        s.execute("ALTER TABLE " + table + " DROP COLUMN IF EXISTS double_value");
      }
    }, 7);
    logger.info("Migrated {} from schema version 6 to 7", file);
  }

  /**
   * Numbers the span rows in stored order, and rewrites the attribute and event rows, which named
   * their span by trace ID, span key and start time until version 6, with the span's number, in
   * the order of the numbers.
   */
  private static void numberSpans(Statement s, long chunk) throws SQLException {
    s.execute("ALTER TABLE spans ADD COLUMN span_no BIGINT");
    s.execute("UPDATE spans SET span_no = rowid");
    relinkSpanRows(s, chunk);
  }

  /** Rewrites the attribute and event rows of version 5 or earlier with their span's number. */
  private static void relinkSpanRows(Statement s, long chunk) throws SQLException {
    long end;
    try (ResultSet rs = s.executeQuery("SELECT coalesce(max(span_no), -1) + 1 FROM spans")) {
      rs.next();
      end = rs.getLong(1);
    }
    relink(s, end, chunk, "span_attributes", Schema.SPAN_ATTRIBUTES, "x.key, x.type, x.value");
    relink(s, end, chunk, "span_events", Schema.SPAN_EVENTS, "x.name");
  }

  /**
   * Rewrites {@code table} ({@code ddl}) in the order of the span numbers below {@code end},
   * {@code chunk} spans at a time: each chunk's join and sort fit DuckDB's memory limit,
   * where one join of every row spilled and came out in no useful order, and the old rows of a
   * chunk are found by their start times (they were appended in about the order of the spans).
   */
  private static void relink(Statement s, long end, long chunk, String table, String ddl, String columns)
      throws SQLException {
    s.execute("ALTER TABLE " + table + " RENAME TO v5_" + table);
    s.execute(ddl);
    for (long from = 0; from < end; from += chunk) {
      String spans = "span_no >= " + from + " AND span_no < " + (from + chunk);
      s.execute("INSERT INTO " + table + " SELECT s.span_no, " + columns + " FROM v5_" + table + " x"
          + " JOIN (SELECT span_no, trace_id, span_key FROM spans WHERE " + spans + ") s"
          + " ON s.trace_id = x.trace_id AND s.span_key = x.span_key"
          + " WHERE x.start_ns >= (SELECT min(start_ns) FROM spans WHERE " + spans + ")"
          + " AND x.start_ns <= (SELECT max(start_ns) FROM spans WHERE " + spans + ")"
          + " ORDER BY s.span_no");
    }
    try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM v5_" + table + ") - (SELECT count(*) FROM "
        + table + ")")) {
      rs.next();
      long orphans = rs.getLong(1);
      if (orphans != 0) {
        logger.warn("Dropped {} rows of {} whose span is not stored", orphans, table);
      }
    }
    s.execute("DROP TABLE v5_" + table);
  }

  /** Statements of a migration. */
  @FunctionalInterface
  private interface Step {
    void run(Statement s) throws SQLException;
  }

  /** Runs {@code step} and records {@code version}, in one transaction. */
  private static void inTransaction(DuckDBConnection connection, Step step, int version) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      try {
        step.run(s);
        setVersion(s, version);
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(s, e);
        throw e;
      }
    }
  }

  private static void setVersion(Statement s, int version) throws SQLException {
    s.execute("DELETE FROM schema_version");
    s.execute("INSERT INTO schema_version VALUES (" + version + ")");
  }
}
