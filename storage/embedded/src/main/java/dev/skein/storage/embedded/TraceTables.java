package dev.skein.storage.embedded;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.storage.embedded.Batch.AttributeRow;
import dev.skein.storage.embedded.Batch.OperationKey;
import dev.skein.storage.embedded.Batch.ResourceRow;
import dev.skein.storage.embedded.Batch.ScopeRow;
import dev.skein.storage.embedded.Batch.SpanRow;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.TraceSummaryBuilder;
import io.opentelemetry.proto.trace.v1.Span;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.StringJoiner;
import java.util.TreeSet;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Writes batches into the tables, inside a transaction the caller opened and commits. A span whose
 * key its trace already has is skipped, so writes are idempotent; the trace's summary row is
 * replaced by one that counts the new spans. Used only by the writer thread (and by
 * {@link Migration} before that thread starts); not thread-safe.
 */
final class TraceTables {
  /** Trace IDs per statement when looking summaries up; small enough for DuckDB's index scan. */
  private static final int LOOKUP_CHUNK = 500;
  /**
   * Span rows per batch number, at least: batches written after fewer rows than this share their
   * number with the one before, so a trace that arrives in many small batches lists few numbers.
   */
  static final int ROWS_PER_BATCH_SEQ = 4096;

  private final DuckDBConnection connection;
  private final SpanCompression compression;
  // Rows already in the database, so headers and operations are appended once.
  private Set<Long> resources;
  private Set<Long> scopes;
  private Set<OperationKey> operations;
  /** The latest start of a stored trace (written by the writer thread, read by searches). */
  private volatile long newestStart = Long.MIN_VALUE;
  /**
   * Span rows appended, as batch numbers count them: the next batch gets this divided by
   * {@link #ROWS_PER_BATCH_SEQ}. Opening starts it past the highest stored number.
   */
  private long rowsAppended;
  /** The {@code span_no} of the next span row: opening starts it past the highest stored one. */
  private long nextSpanNo;

  TraceTables(DuckDBConnection connection, SpanCompression compression) throws SQLException {
    this.connection = connection;
    this.compression = compression;
    reload();
  }

  /** Rows appended by one {@link #append}, which enter the caches once committed. */
  static final class Appended {
    final Set<Long> resources = new HashSet<>();
    final Set<Long> scopes = new HashSet<>();
    final Set<OperationKey> operations = new HashSet<>();
    int spans;
    long newestStart = Long.MIN_VALUE;
    @Nullable SpanCompression.Writing compressed;
  }

  /** Appends every span of {@code batches} that is not stored yet, and updates trace summaries. */
  Appended append(List<Batch> batches) throws SQLException {
    Appended out = new Appended();
    Map<String, List<SpanRow>> byTrace = new LinkedHashMap<>();
    for (Batch b : batches) {
      for (SpanRow row : b.spans) {
        byTrace.computeIfAbsent(Hex.encode(ByteString.copyFrom(row.traceId)),
            k -> new ArrayList<>()).add(row);
      }
    }
    Map<String, Stored> stored = load(byTrace.keySet());
    long seq = rowsAppended / ROWS_PER_BATCH_SEQ;
    List<SpanRow> accepted = new ArrayList<>();
    Map<String, Stored> updated = new LinkedHashMap<>();
    for (Map.Entry<String, List<SpanRow>> e : byTrace.entrySet()) {
      Stored s = stored.get(e.getKey());
      if (s == null) {
        s = new Stored(new TraceSummaryBuilder(TraceId.fromHex(e.getKey())), new HashSet<>(), new TreeSet<>(), false);
      }
      boolean changed = false;
      for (SpanRow row : e.getValue()) {
        if (s.keys.add(row.key)) {
          s.summary.add(row.service, row.span);
          accepted.add(row);
          changed = true;
        }
      }
      if (changed) {
        s.batches.add(seq);
        updated.put(e.getKey(), s);
      }
    }
    out.spans = accepted.size();
    if (accepted.isEmpty()) {
      return out;
    }
    // Counted before the rows are appended: a failed append leaves a gap in the numbers, which is harmless.
    rowsAppended += accepted.size();
    out.compressed = compression.writing(connection);
    appendSpans(accepted, seq, out);
    appendHeaders(batches, out);
    replaceSummaries(updated, out);
    return out;
  }

  /** Adds what {@code appended} wrote to the caches; call after its transaction committed. */
  void committed(Appended appended) {
    resources.addAll(appended.resources);
    scopes.addAll(appended.scopes);
    operations.addAll(appended.operations);
    newestStart = Math.max(newestStart, appended.newestStart);
    compression.committed(appended.compressed);
  }

  /**
   * The latest start time of a trace stored, or {@link Long#MIN_VALUE} for none. Deleting traces
   * does not lower it until {@link #reload}, so no stored trace starts later.
   */
  long newestStart() {
    return newestStart;
  }

  /** Reads the keys of the deduplicated tables; replaces the caches only when all were read. */
  void reload() throws SQLException {
    Set<Long> resources = new HashSet<>();
    Set<Long> scopes = new HashSet<>();
    Set<OperationKey> operations = new HashSet<>();
    try (Statement s = connection.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT resource_id FROM resources")) {
        while (rs.next()) {
          resources.add(rs.getLong(1));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT scope_id FROM scopes")) {
        while (rs.next()) {
          scopes.add(rs.getLong(1));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT service, name, kind FROM operations")) {
        while (rs.next()) {
          operations.add(new OperationKey(rs.getString(1), rs.getString(2), rs.getByte(3)));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT max(start_ns) FROM traces")) {
        rs.next();
        long newest = rs.getLong(1);
        newestStart = rs.wasNull() ? Long.MIN_VALUE : newest;
      }
      // The next batch and span get numbers above every stored one.
      try (ResultSet rs = s.executeQuery("SELECT max(batch_seq), max(span_no) FROM spans")) {
        rs.next();
        long highestBatch = rs.getLong(1);
        rowsAppended = rs.wasNull() ? 0 : Math.multiplyExact(highestBatch + 1, (long) ROWS_PER_BATCH_SEQ);
        long highestSpan = rs.getLong(2);
        nextSpanNo = rs.wasNull() ? nextSpanNo : Math.max(nextSpanNo, highestSpan + 1);
      }
      compression.loadStored(s);
    }
    this.resources = resources;
    this.scopes = scopes;
    this.operations = operations;
  }

  /** A trace's summary so far, the keys of its stored spans and the batch numbers they came in. */
  private record Stored(TraceSummaryBuilder summary, Set<Long> keys, SortedSet<Long> batches, boolean inDatabase) {}

  private Map<String, Stored> load(Set<String> traceIds) throws SQLException {
    Map<String, Stored> out = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>(traceIds);
    try (Statement s = connection.createStatement()) {
      for (int from = 0; from < ids.size(); from += LOOKUP_CHUNK) {
        String in = inList(ids.subList(from, Math.min(ids.size(), from + LOOKUP_CHUNK)));
        try (ResultSet rs = s.executeQuery("SELECT trace_id, start_ns, end_ns, span_count, error_count,"
            + " root_service, root_name, root_start_ns, root_span_id, services, span_keys, batches"
            + " FROM traces WHERE trace_id IN (" + in + ")")) {
          while (rs.next()) {
            TraceId id = TraceId.of(ByteString.copyFrom(rs.getBytes(1)));
            long start = rs.getLong(2);
            TraceSummary summary = new TraceSummary(id, rs.getString(6), rs.getString(7), start,
                rs.getLong(3) - start, rs.getInt(4), rs.getInt(5), TraceRow.decodeServices(rs.getBytes(10)));
            out.put(id.hex(), new Stored(TraceSummaryBuilder.resume(summary, rs.getLong(8), rs.getString(9)),
                TraceRow.decodeKeys(rs.getBytes(11)), batches(rs, 12), true));
          }
        }
      }
    }
    return out;
  }

  private void replaceSummaries(Map<String, Stored> updated, Appended out) throws SQLException {
    List<String> inDatabase = new ArrayList<>();
    updated.forEach((id, s) -> {
      if (s.inDatabase) {
        inDatabase.add(id);
      }
    });
    try (Statement s = connection.createStatement()) {
      for (int from = 0; from < inDatabase.size(); from += LOOKUP_CHUNK) {
        s.executeUpdate("DELETE FROM traces WHERE trace_id IN ("
            + inList(inDatabase.subList(from, Math.min(inDatabase.size(), from + LOOKUP_CHUNK))) + ")");
      }
    }
    try (DuckDBAppender a = appender("traces")) {
      for (Stored s : updated.values()) {
        TraceSummary t = s.summary.build();
        out.newestStart = Math.max(out.newestStart, t.startNanos());
        a.beginRow()
            .append(t.traceId().bytes().toByteArray())
            .append(t.startNanos())
            .append(t.startNanos() + t.durationNanos())
            .append(t.durationNanos())
            .append(t.spanCount())
            .append(t.errorCount());
        if (t.rootService() == null) {
          a.appendNull().appendNull();
        } else {
          a.append(t.rootService()).append(t.rootName());
        }
        a.append(s.summary.rootStartNanos())
            .append(s.summary.rootSpanId())
            .append(TraceRow.encodeServices(t.spansByService()))
            .append(TraceRow.encodeKeys(s.keys))
            .append(s.batches.stream().mapToLong(Long::longValue).toArray())
            .endRow();
      }
    }
  }

  /** The batch numbers in the {@code BIGINT[]} column {@code column} of the current row. */
  static SortedSet<Long> batches(ResultSet rs, int column) throws SQLException {
    SortedSet<Long> out = new TreeSet<>();
    Array array = rs.getArray(column);
    if (array != null) {
      for (Object seq : (Object[]) array.getArray()) {
        out.add(((Number) seq).longValue());
      }
    }
    return out;
  }

  private void appendSpans(List<SpanRow> rows, long seq, Appended out) throws SQLException {
    try (DuckDBAppender spans = appender("spans");
        DuckDBAppender attributes = appender("span_attributes");
        DuckDBAppender events = appender("span_events")) {
      for (SpanRow row : rows) {
        Span span = row.span;
        long start = span.getStartTimeUnixNano();
        // Taken before the row is appended: a failed append leaves a gap in the numbers, which is harmless.
        long spanNo = nextSpanNo++;
        spans.beginRow()
            .append(row.traceId)
            .append(row.spanId);
        if (row.parentSpanId == null) {
          spans.appendNull();
        } else {
          spans.append(row.parentSpanId);
        }
        spans.append(row.service)
            .append(span.getName())
            .append(row.kind)
            .append(start)
            .append(span.getEndTimeUnixNano() - start)
            .append(row.statusCode)
            .append(span.getStatus().getMessage())
            .append(row.resourceId)
            .append(row.scopeId)
            .append(out.compressed.compress(row.payload))
            .append(seq)
            .append(spanNo)
            .endRow();
        for (AttributeRow a : row.attributes) {
          attributes.beginRow().append(spanNo);
          attribute(attributes, a);
        }
        for (Span.Event e : span.getEventsList()) {
          events.beginRow().append(spanNo).append(e.getName()).endRow();
        }
        OperationKey op = row.operation();
        if (!operations.contains(op)) {
          out.operations.add(op);
        }
      }
    }
    if (!out.operations.isEmpty()) {
      try (DuckDBAppender a = appender("operations")) {
        for (OperationKey op : out.operations) {
          a.beginRow().append(op.service()).append(op.name()).append(op.kind()).endRow();
        }
      }
    }
  }

  private void appendHeaders(List<Batch> batches, Appended out) throws SQLException {
    List<ResourceRow> resourceRows = new ArrayList<>();
    List<ScopeRow> scopeRows = new ArrayList<>();
    for (Batch b : batches) {
      for (ResourceRow r : b.resources) {
        if (!resources.contains(r.id()) && out.resources.add(r.id())) {
          resourceRows.add(r);
        }
      }
      for (ScopeRow r : b.scopes) {
        if (!scopes.contains(r.id()) && out.scopes.add(r.id())) {
          scopeRows.add(r);
        }
      }
    }
    if (!resourceRows.isEmpty()) {
      try (DuckDBAppender a = appender("resources");
          DuckDBAppender attributes = appender("resource_attributes")) {
        for (ResourceRow r : resourceRows) {
          a.beginRow().append(r.id()).append(r.service()).append(r.payload()).endRow();
          for (AttributeRow attribute : r.attributes()) {
            attributes.beginRow().append(r.id());
            attribute(attributes, attribute);
          }
        }
      }
    }
    if (!scopeRows.isEmpty()) {
      try (DuckDBAppender a = appender("scopes")) {
        for (ScopeRow r : scopeRows) {
          a.beginRow().append(r.id()).append(r.name()).append(r.version()).append(r.payload())
              .endRow();
        }
      }
    }
  }

  /** Appends the columns key, type and value and ends the row. */
  private static void attribute(DuckDBAppender a, AttributeRow row) throws SQLException {
    a.append(row.key()).append(row.type()).append(row.text()).endRow();
  }

  private DuckDBAppender appender(String table) throws SQLException {
    return connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table);
  }

  /** Trace IDs (hex, which we made) as a SQL list of blob literals, which DuckDB answers by index. */
  static String inList(List<String> hexIds) {
    StringJoiner j = new StringJoiner(",");
    for (String id : hexIds) {
      j.add("from_hex('" + id + "')");
    }
    return j.toString();
  }
}
