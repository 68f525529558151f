package dev.skein.storage.embedded;

import dev.skein.storage.StorageException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables of the embedded store, and the check that a database file has them in the version
 * this code reads.
 *
 * <p>{@code spans} holds one row per distinct span: the Span protobuf bytes as the lossless copy
 * (without the IDs and times, which are columns; earlier versions stored them in the bytes too,
 * and such rows read back the same; compressed with the dictionaries of {@code span_dictionaries}
 * as {@link SpanCompression} says), and the columns that search filters on (IDs, service, name,
 * kind, start time and duration, status). A span's key, a hash of its bytes under its resource
 * and scope, is kept in its trace's summary only, so writing a span again stores nothing. Resource
 * and scope headers are stored once in {@code resources} and {@code scopes}, keyed by a hash of
 * their bytes, so a trace reads back with its schema URLs and every other header field. Every span
 * row has a number, {@code span_no}, which rises as rows are appended. Attributes are exploded
 * into {@code span_attributes} (per span, named by its number; as numbers rise with time for live
 * data, a search prunes these rows by the lowest number of a span in its range) and
 * {@code resource_attributes} (per resource, shared by all its spans), each with the value's type
 * (the {@code AnyValue} field number) and its text form, which a comparison of numbers casts; event
 * names go to {@code span_events}. {@code traces}
 * holds one summary row per trace (times, counts, root span, spans per service, and the keys of
 * its spans), kept up to date by every write, so a search filters and orders traces without
 * touching their spans. {@code operations} lists every (service, span name, kind) so services and
 * operations are answered without scanning spans. Times are epoch nanoseconds; kinds and status
 * codes are the OTLP enum numbers.
 *
 * <p>Columns read row by row through the trace ID index (a trace's summary) name their
 * compression: left to choose, DuckDB picks FSST for random IDs, and fetching single rows from
 * that is slow (20 traces of about 26 spans each: 30 ms, against 4 ms with the compression named
 * here). A trace's span rows are scanned a vector at a time instead (see below), so of their
 * columns only the random span IDs name theirs, and the resource and scope IDs, which repeat, are
 * left to DuckDB (run-length encoding: about 5 bytes per span instead of 16). A column's
 * compression is a property of each file: files created before keep theirs, and read the same.
 *
 * <p>A trace's spans are found without an index on {@code spans}: its {@code traces} row (found
 * through the one index, on {@code traces.trace_id}) lists the write batches its spans came in,
 * and every span row carries its batch's {@code batch_seq}. Batch numbers rise as rows are
 * appended, so DuckDB's min/max statistics skip every row group but the few that hold those
 * batches. DuckDB keeps the parts of an index it has read in memory, inside its memory cap, and
 * cannot evict them: with an index on the span rows of 10 million spans, reading a few thousand
 * traces filled a 128 MiB cap and every later read failed with "Out of Memory". The index on
 * {@code traces} has one entry per trace, not per span.
 *
 * <p>Version 1 (before search) had no {@code traces} or {@code span_events} table and untyped
 * attributes; {@link Migration} rebuilds such a file from its spans when it is opened. Version 2
 * stored the span bytes whole; its rows read back as they are, and the version number keeps
 * Skein releases that expect whole span bytes away from files with rows of version 3. Version 3
 * had an index on {@code spans.trace_id} instead of batch numbers; {@link Migration} numbers its
 * rows in stored order. Version 4 had no {@code span_dictionaries}, and its span bytes are not
 * compressed, which later versions read as they are; the version number keeps earlier Skein
 * releases away from compressed span bytes. Until version 5, attribute and event rows named their
 * span by trace ID, span key and start time (54 of the 88 bytes per span that attribute rows took
 * on 10 million spans); {@link Migration} numbers the spans in stored order and rewrites those rows.
 * Until version 6, span rows had their key and end time as columns, and attribute rows their
 * number as integer and double columns as well as text (together 30 of the 159 bytes per span on
 * 10 million spans); {@link Migration} drops those columns.
 */
final class Schema {
  /** The version this code writes and reads. */
  static final int VERSION = 7;

  /** The zstd dictionaries of {@link SpanCompression}, by the number stored spans name them by. */
  static final String SPAN_DICTIONARIES = "CREATE TABLE span_dictionaries ("
      + "dictionary_id INTEGER PRIMARY KEY,"
      + " dictionary BLOB NOT NULL)";

  /** The attributes of each span, by the {@code span_no} of its row in {@code spans}. */
  static final String SPAN_ATTRIBUTES = "CREATE TABLE span_attributes ("
      + "span_no BIGINT NOT NULL,"
      + " key VARCHAR NOT NULL,"
      + " type TINYINT NOT NULL,"
      + " value VARCHAR NOT NULL)";

  /** The names of each span's events, by the {@code span_no} of its row in {@code spans}. */
  static final String SPAN_EVENTS = "CREATE TABLE span_events ("
      + "span_no BIGINT NOT NULL,"
      + " name VARCHAR NOT NULL)";

  static final List<String> TABLES = List.of(
      "CREATE TABLE resources ("
          + "resource_id BIGINT PRIMARY KEY,"
          + " service VARCHAR NOT NULL,"
          // ResourceSpans without its scope_spans, as protobuf bytes.
          + " payload BLOB NOT NULL)",
      "CREATE TABLE resource_attributes ("
          + "resource_id BIGINT NOT NULL,"
          + " key VARCHAR NOT NULL,"
          + " type TINYINT NOT NULL,"
          + " value VARCHAR NOT NULL)",
      "CREATE TABLE scopes ("
          + "scope_id BIGINT PRIMARY KEY,"
          + " name VARCHAR NOT NULL,"
          + " version VARCHAR NOT NULL,"
          // ScopeSpans without its spans, as protobuf bytes.
          + " payload BLOB NOT NULL)",
      "CREATE TABLE spans ("
          + "trace_id BLOB NOT NULL,"
          + " span_id BLOB NOT NULL USING COMPRESSION uncompressed,"
          + " parent_span_id BLOB USING COMPRESSION dictionary,"
          + " service VARCHAR NOT NULL,"
          + " name VARCHAR NOT NULL,"
          + " kind TINYINT NOT NULL,"
          + " start_ns BIGINT NOT NULL,"
          // The end time is start_ns + duration_ns (in 64-bit two's complement, as Java adds).
          + " duration_ns BIGINT NOT NULL,"
          + " status_code TINYINT NOT NULL USING COMPRESSION bitpacking,"
          + " status_message VARCHAR NOT NULL,"
          + " resource_id BIGINT NOT NULL,"
          + " scope_id BIGINT NOT NULL,"
          // The Span message as protobuf bytes without the ID and time columns, compressed as
          // SpanCompression says: what a trace reads back from. Compressed already, and read row by row.
          + " span BLOB NOT NULL USING COMPRESSION uncompressed,"
          // The write batch the row came in: rises with every batch, so the rows of one batch are
          // close together and DuckDB's min/max pruning finds them.
          + " batch_seq BIGINT NOT NULL,"
          // The span's number: rises with every span row appended, and names the span in
          // span_attributes and span_events.
          + " span_no BIGINT NOT NULL)",
      SPAN_ATTRIBUTES,
      SPAN_EVENTS,
      "CREATE TABLE traces ("
          + "trace_id BLOB NOT NULL,"
          + " start_ns BIGINT NOT NULL,"
          + " end_ns BIGINT NOT NULL,"
          + " duration_ns BIGINT NOT NULL,"
          + " span_count INTEGER NOT NULL,"
          + " error_count INTEGER NOT NULL,"
          + " root_service VARCHAR,"
          + " root_name VARCHAR,"
          + " root_start_ns BIGINT NOT NULL,"
          + " root_span_id VARCHAR NOT NULL USING COMPRESSION uncompressed,"
          // Spans per service and the keys of the trace's spans, in TraceRow's encoding.
          + " services BLOB NOT NULL,"
          + " span_keys BLOB NOT NULL USING COMPRESSION uncompressed,"
          // The batch_seq of every batch the trace's spans came in, ascending.
          + " batches BIGINT[] NOT NULL)",
      SPAN_DICTIONARIES,
      // Trace IDs are random, so min/max pruning cannot help a lookup by ID; an index can.
      "CREATE INDEX traces_by_trace_id ON traces (trace_id)",
      "CREATE TABLE operations ("
          + "service VARCHAR NOT NULL,"
          + " name VARCHAR NOT NULL,"
          + " kind TINYINT NOT NULL,"
          + " PRIMARY KEY (service, name, kind))");

  private Schema() {}

  /**
   * Creates the tables in an empty database, or checks the version of an existing one. A file of
   * an earlier version is left as it is for {@link Migration}.
   *
   * @return the version found before this call, or 0 for a new database
   * @throws StorageException if the database was written by a newer version of Skein
   */
  static int migrate(Connection connection, Path file) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      try {
        s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        int found = version(s);
        if (found > VERSION) {
          throw new StorageException("embedded store " + file + " has schema version " + found
              + " (expected: at most " + VERSION + "); it was written by a newer Skein", false, null);
        }
        if (found == 0) {
          for (String ddl : TABLES) {
            s.execute(ddl);
          }
          s.execute("INSERT INTO schema_version VALUES (" + VERSION + ")");
        }
        s.execute("COMMIT");
        return found;
      } catch (SQLException | RuntimeException e) {
        rollback(s, e);
        throw e;
      }
    }
  }

  /** The highest version recorded, or 0. */
  static int version(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  /** Rolls back the open transaction; a failure to do so is attached to {@code cause}. */
  static void rollback(Statement s, Throwable cause) {
    try {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
