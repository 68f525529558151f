package dev.skein.storage.embedded;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.SpanKinds;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.RegexBudgetExceededException;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link TraceStore}: spans in a DuckDB database file inside one directory, kept for a
 * retention period.
 *
 * <p><b>Durability.</b> The future of {@link #write} completes once the spans are committed: DuckDB
 * has appended the transaction to its write-ahead log ({@code skein.duckdb.wal}) and fsynced it,
 * so they survive a crash of the process ({@code kill -9}), and of the machine as far as the disk
 * honours fsync. The log grows to half of DuckDB's memory cap (64 MiB with a 128 MiB cap, 256 MiB
 * without a cap) before DuckDB folds it into the database file (and is folded on close);
 * opening after a crash replays it. Writes from all threads go through one writer thread that
 * commits every queued batch in one transaction (group commit), so many concurrent writers share
 * one sync. A batch is stored whole or not at all. A failed commit fails
 * the futures of every batch in it with a retryable {@link StorageException}; a batch with an
 * invalid trace ID is refused with a non-retryable one; when more than {@code maxPendingSpans}
 * spans wait for the writer, new batches are refused with a retryable one. Futures complete on an
 * internal thread, in commit order.
 *
 * <p><b>Writes are idempotent</b>: a span already stored under the same resource and scope is
 * skipped, so a retried batch stores nothing twice. Each write keeps a summary row per trace up to
 * date, so search filters and orders traces in SQL without reading their spans.
 *
 * <p><b>Reads</b> run on the caller's thread, each on its own connection, and see every write whose
 * future has completed. Search conditions become SQL (see {@link SearchSql}), and so do rate,
 * errors and duration, baselines and comparisons (see {@link Analytics}); a search or tag
 * query with a regular expression that runs past its budget is cancelled and fails with
 * {@link RegexBudgetExceededException}. <b>Retention</b>: traces whose first span started more
 * than {@code retention} ago are deleted whole, checked every {@code retentionCheckInterval} and
 * right after opening.
 *
 * <p>A database file of schema version 1 (written before search existed) is rebuilt in place
 * when it is opened, in one transaction: if that is interrupted, the file stays at version 1. A
 * file of version 2 (span bytes stored whole) is marked version 3 and read as it is.
 *
 * <p>Only one store (in any process) may open a directory at a time; DuckDB locks the file.
 * {@link #close()} is idempotent and thread-safe: it waits for reads and writes in flight, commits
 * every accepted batch, and releases the file. After close, writes fail and reads throw a
 * non-retryable {@link StorageException}.
 */
public final class EmbeddedTraceStore implements TraceStore {
  /** The name of the database file inside the store's directory. */
  public static final String DATABASE_FILE = "skein.duckdb";

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedTraceStore.class);
  private static final Capabilities CAPABILITIES = Capabilities.of(Capability.TRACE_BY_ID,
      Capability.DURABLE, Capability.RETENTION, Capability.SEARCH, Capability.TRACEQL_STRUCTURAL,
      Capability.DEPENDENCIES, Capability.TAGS, Capability.ANALYTICS);
  /** Cancels statements whose regular expressions ran past their budget. */
  private static final ScheduledExecutorService BUDGETS = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "skein-embedded-regex-budget");
    t.setDaemon(true);
    return t;
  });
  private static final Set<String> KINDS =
      Set.of("server", "client", "producer", "consumer", "internal", "");
  /** Type names of the attribute tables' {@code type} numbers that tag values list. */
  private static final String[] TYPE_NAMES = {"", "string", "bool", "int", "double"};
  private static final Comparator<Operation> OPERATION_ORDER =
      Comparator.comparing(Operation::name).thenComparing(Operation::spanKind);
  /**
   * Traces read by one statement: the spans of this many traces, each up to the span cap, are held
   * at once.
   */
  private static final int TRACES_PER_READ = 20;
  /** Batches whose span rows one statement reads; see {@code readChunk}. */
  private static final int BATCHES_PER_READ = 8;
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(5);
  /**
   * Database files open in this process. DuckDB's driver hands a second open of the same file the
   * same database instance, so two stores would both write it, each with its own caches.
   */
  private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();
  /** Whether this process has looked for copies of DuckDB's native library left by killed processes. */
  private static final AtomicBoolean NATIVE_LIBRARIES_CHECKED = new AtomicBoolean();

  private final Path path;
  private final Path file;
  private final Duration retention;
  private final Duration retentionCheckInterval;
  private final long maxPendingSpans;
  private final String description;
  /** What the database is opened with; it is opened again with it after a fatal error. */
  private final Properties openProperties;
  // Replaced only under the write lock of lifecycle, when the database is opened again.
  private DuckDBConnection origin;
  private ReadConnections readers;
  private final HeaderCache headers = new HeaderCache();
  private final GroupCommitWriter writer;
  private final SpanCompression compression = new SpanCompression();
  private final Thread writerThread;
  private final ExecutorService acks;
  // Writes and reads hold the read lock while they use the database; close takes the write lock.
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Object closeMonitor = new Object();
  private volatile boolean closed;
  private boolean released;

  private EmbeddedTraceStore(Builder b, Path file, Properties openProperties, DuckDBConnection origin,
      DuckDBConnection writerConnection) throws SQLException {
    this.path = b.path;
    this.file = file;
    this.retention = b.retention;
    this.retentionCheckInterval = b.retentionCheckInterval;
    this.maxPendingSpans = b.maxPendingSpans;
    this.description = file.toString();
    this.openProperties = openProperties;
    this.origin = origin;
    this.readers = new ReadConnections(origin);
    this.acks = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "skein-embedded-acks");
      t.setDaemon(true);
      return t;
    });
    this.writer = new GroupCommitWriter(writerConnection, this::reopen, description, retention,
        retentionCheckInterval, b.clock, acks, b.memoryLimitMib, compression);
    this.writerThread = new Thread(writer, "skein-embedded-writer");
    writerThread.setDaemon(true);
    writerThread.start();
  }

  /** Returns a builder; {@link Builder#path} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The directory the database file lives in. */
  public Path path() {
    return path;
  }

  /** How long spans are kept, measured from their start time. */
  public Duration retention() {
    return retention;
  }

  /** How often expired spans are looked for. */
  public Duration retentionCheckInterval() {
    return retentionCheckInterval;
  }

  /** The most spans that may wait for the writer before new batches are refused. */
  public long maxPendingSpans() {
    return maxPendingSpans;
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public CompletableFuture<Void> write(Traces traces) {
    requireNonNull(traces, "traces");
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    Batch batch;
    try {
      batch = Batch.of(traces);
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    lifecycle.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      if (batch.spanCount() == 0) {
        return CompletableFuture.completedFuture(null);
      }
      long queued = writer.queuedSpans();
      // A batch larger than the limit still goes through when nothing else waits.
      if (queued > 0 && queued + batch.spanCount() > maxPendingSpans) {
        return CompletableFuture.failedFuture(new StorageException("embedded store " + description
            + ": " + (queued + batch.spanCount()) + " spans waiting to be committed (expected: at most "
            + maxPendingSpans + "); retry later", true, null));
      }
      CompletableFuture<Void> future = new CompletableFuture<>();
      writer.enqueue(batch, future);
      return future;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public Optional<Traces> trace(TraceId traceId) {
    requireNonNull(traceId, "traceId");
    return Optional.ofNullable(readTraces(List.of(traceId), Integer.MAX_VALUE).get(traceId))
        .map(LimitedTrace::spans);
  }

  @Override
  public Optional<LimitedTrace> trace(TraceId traceId, int maxSpans) {
    requireNonNull(traceId, "traceId");
    return Optional.ofNullable(traces(List.of(traceId), maxSpans).get(traceId));
  }

  @Override
  public Map<TraceId, LimitedTrace> traces(List<TraceId> traceIds, int maxSpans) {
    requireNonNull(traceIds, "traceIds");
    if (maxSpans <= 0) {
      throw new IllegalArgumentException("maxSpans: " + maxSpans + " (expected: > 0)");
    }
    return readTraces(traceIds, maxSpans);
  }

  /** A span row as read: its header IDs, columns and stored bytes, parsed only if it is kept. */
  private record ReadSpan(long resourceId, long scopeId, byte[] payload, byte[] spanId, @Nullable byte[] parentSpanId,
      long startNanos, long endNanos, long spanNo) {}

  /** The order a capped trace keeps its spans in: by start time, then span ID, then span number. */
  private static final Comparator<ReadSpan> SPAN_ORDER = Comparator.comparingLong(ReadSpan::startNanos)
      .thenComparing(ReadSpan::spanId, Arrays::compareUnsigned)
      .thenComparingLong(ReadSpan::spanNo);

  /**
   * The spans of one trace as they come from the index, at most {@code 2 × maxSpans} held at a
   * time: past that, the earliest {@code maxSpans} are kept and the rest dropped before their bytes
   * are parsed. Every row is counted, so the total is exact.
   */
  private static final class TraceRows {
    private final int maxSpans;
    private final int holdAtMost;
    private final List<ReadSpan> kept = new ArrayList<>();
    private int total;
    /** Whether {@link #kept} is already capped and in order, so a second read does not sort again. */
    private boolean ordered = true;

    TraceRows(int maxSpans) {
      this.maxSpans = maxSpans;
      this.holdAtMost = maxSpans > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : 2 * maxSpans;
    }

    void add(ReadSpan span) {
      total++;
      kept.add(span);
      ordered = false;
      if (kept.size() >= holdAtMost) {
        keepEarliest();
      }
    }

    /** The kept spans in {@link #SPAN_ORDER}. */
    List<ReadSpan> spans() {
      if (!ordered) {
        keepEarliest();
      }
      return kept;
    }

    private void keepEarliest() {
      kept.sort(SPAN_ORDER);
      if (kept.size() > maxSpans) {
        kept.subList(maxSpans, kept.size()).clear();
      }
      ordered = true;
    }
  }

  private Map<TraceId, LimitedTrace> readTraces(List<TraceId> traceIds, int maxSpans) {
    Map<TraceId, LimitedTrace> out = new LinkedHashMap<>();
    List<TraceId> distinct = new ArrayList<>(new LinkedHashSet<>(traceIds));
    for (int from = 0; from < distinct.size(); from += TRACES_PER_READ) {
      out.putAll(readChunk(distinct.subList(from, Math.min(distinct.size(), from + TRACES_PER_READ)), maxSpans));
    }
    return out;
  }

  private Map<TraceId, LimitedTrace> readChunk(List<TraceId> traceIds, int maxSpans) {
    return read("reading " + (traceIds.size() == 1 ? "trace " + traceIds.get(0) : traceIds.size() + " traces"),
        connection -> {
      Map<TraceId, TraceRows> byTrace = new HashMap<>();
      Map<Long, ResourceSpans> resources = new HashMap<>();
      Map<Long, ScopeSpans> scopes = new HashMap<>();
      String in = TraceTables.inList(traceIds.stream().map(TraceId::hex).toList());
      try (Statement tx = connection.createStatement()) {
        // One snapshot for spans and headers, so retention cannot remove a header in between.
        tx.execute("BEGIN TRANSACTION");
        try {
          // The traces' summaries (found by index) list the batches their spans came in; the span
          // rows of one batch are one or two row groups, which DuckDB's min/max pruning finds.
          Map<Long, List<String>> byBatch = new TreeMap<>();
          try (ResultSet rs = tx.executeQuery("SELECT trace_id, batches FROM traces WHERE trace_id IN (" + in + ")")) {
            while (rs.next()) {
              String hex = Hex.encode(ByteString.copyFrom(rs.getBytes(1)));
              for (long batch : TraceTables.batches(rs, 2)) {
                byBatch.computeIfAbsent(batch, k -> new ArrayList<>()).add(hex);
              }
            }
          }
          // One SELECT per batch, with only the traces it holds: with every batch number in one
          // IN list, DuckDB scanned the whole table (230 ms for 20 traces on 10 million spans,
          // against 30 ms). They go BATCHES_PER_READ at a time in a UNION ALL, which bounds the
          // blocks DuckDB holds pinned at once.
          List<String> selects = new ArrayList<>();
          byBatch.forEach((batch, ids) -> selects.add("SELECT trace_id, resource_id, scope_id, span, span_id,"
              + " parent_span_id, start_ns, duration_ns, span_no FROM spans WHERE batch_seq = " + batch
              + " AND trace_id IN (" + TraceTables.inList(ids) + ")"));
          for (int from = 0; from < selects.size(); from += BATCHES_PER_READ) {
            // A plain select: ordering, limiting or a window in the same query makes it slower (a
            // window over a materialized selection cost more than the lookup itself). The cap and
            // the order are applied here instead. Headers are fetched separately: joining them
            // cost ten times the span lookup.
            String sql = String.join(" UNION ALL ", selects.subList(from, Math.min(selects.size(), from + BATCHES_PER_READ)));
            try (ResultSet rs = tx.executeQuery(sql)) {
              TraceId current = null;
              byte[] currentBytes = null;
              TraceRows rows = null;
              while (rs.next()) {
                byte[] idBytes = rs.getBytes(1);
                if (current == null || !Arrays.equals(idBytes, currentBytes)) {
                  current = TraceId.of(ByteString.copyFrom(idBytes));
                  currentBytes = idBytes;
                  rows = byTrace.computeIfAbsent(current, k -> new TraceRows(maxSpans));
                }
                long start = rs.getLong(7);
                // The end as the writer took the duration from it: end minus start, wrapping as Java does.
                rows.add(new ReadSpan(rs.getLong(2), rs.getLong(3), rs.getBytes(4), rs.getBytes(5), rs.getBytes(6),
                    start, start + rs.getLong(8), rs.getLong(9)));
              }
            }
          }
          for (TraceRows rows : byTrace.values()) {
            for (ReadSpan r : rows.spans()) {
              resources.put(r.resourceId(), null);
              scopes.put(r.scopeId(), null);
            }
          }
          if (!byTrace.isEmpty()) {
            headers.resources(tx, resources);
            headers.scopes(tx, scopes);
            for (TraceRows rows : byTrace.values()) {
              compression.loadFor(() -> rows.spans().stream().map(ReadSpan::payload).iterator(), tx);
            }
          }
          tx.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          Schema.rollback(tx, e);
          throw e;
        }
      }
      Map<TraceId, LimitedTrace> out = new LinkedHashMap<>();
      try (SpanCompression.Decoder decoder = compression.decoder()) {
        for (TraceId id : traceIds) {
          TraceRows rows = byTrace.get(id);
          if (rows != null) {
            Traces.Builder b = Traces.builder();
            for (ReadSpan r : rows.spans()) {
              b.add(resources.get(r.resourceId()), scopes.get(r.scopeId()), Batch.withColumns(
                  decoder.plain(r.payload()), id.bytes(), r.spanId(), r.parentSpanId(), r.startNanos(), r.endNanos()));
            }
            out.put(id, new LimitedTrace(b.build(), rows.total));
          }
        }
      }
      return out;
    });
  }

  @Override
  public Optional<TraceSummary> summary(TraceId traceId) {
    requireNonNull(traceId, "traceId");
    return read("summarizing trace " + traceId, connection -> {
      try (PreparedStatement ps = connection.prepareStatement("SELECT t.trace_id, t.start_ns,"
          + " t.duration_ns, t.span_count, t.error_count, t.root_service, t.root_name, t.services"
          + " FROM traces t WHERE t.trace_id = ?")) {
        ps.setBytes(1, traceId.bytes().toByteArray());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(summaryOf(rs)) : Optional.<TraceSummary>empty();
        }
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>A search for the newest traces looks at a narrow time window first and widens it only while
   * it finds too few traces (see {@link SearchWindows}); a regular expression's budget covers all
   * of them together.
   */
  @Override
  public SearchResult search(TraceQuery query) {
    requireNonNull(query, "query");
    long deadline = System.nanoTime() + query.regexBudget().toNanos();
    SearchWindows windows = SearchWindows.of(query, writer.newestStart());
    List<TraceSummary> rows = List.of();
    for (TraceQuery window = windows.first(); window != null; window = windows.next(rows.size())) {
      SearchSql sql = SearchSql.search(window);
      rows = read("searching traces", connection -> budgeted(connection, sql, query.regexBudget(),
          deadline - System.nanoTime(), rs -> {
            List<TraceSummary> out = new ArrayList<>();
            while (rs.next()) {
              out.add(summaryOf(rs));
            }
            return out;
          }));
      if (rows.size() > query.limit()) {
        break;
      }
    }
    if (rows.size() <= query.limit()) {
      return new SearchResult(rows, null);
    }
    List<TraceSummary> page = rows.subList(0, query.limit());
    return new SearchResult(page, Cursor.after(query.order(), page.get(page.size() - 1)));
  }

  @Override
  public List<DependencyLink> dependencies(long startMinNanos, long startMaxNanos) {
    return read("reading dependencies", connection -> {
      List<DependencyLink> out = new ArrayList<>();
      // A child counts once per distinct parent service, however many spans share the parent's ID.
      try (PreparedStatement ps = connection.prepareStatement("SELECT parent, child, count(*),"
          + " count(*) FILTER (WHERE status_code = 2)"
          + " FROM (SELECT DISTINCT c.span_no, p.service AS parent, c.service AS child, c.status_code"
          + " FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id"
          + " WHERE c.start_ns >= ? AND c.start_ns <= ? AND p.service <> c.service)"
          + " GROUP BY parent, child")) {
        ps.setLong(1, startMinNanos);
        ps.setLong(2, startMaxNanos);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new DependencyLink(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
          }
        }
      }
      out.sort(Comparator.comparing(DependencyLink::parent).thenComparing(DependencyLink::child));
      return List.copyOf(out);
    });
  }

  @Override
  public List<String> tagNames(TagQuery query) {
    requireNonNull(query, "query");
    TreeSet<String> names = new TreeSet<>();
    for (SearchSql sql : tagStatements(query, "DISTINCT x.key", null)) {
      names.addAll(read("listing tag names", connection -> budgeted(connection, sql, query.regexBudget(), rs -> {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
          out.add(rs.getString(1));
        }
        return out;
      })));
    }
    return List.copyOf(names).subList(0, Math.min(names.size(), query.limit()));
  }

  @Override
  public List<TagValue> tagValues(TagQuery query, String key) {
    requireNonNull(query, "query");
    requireNonNull(key, "key");
    TreeSet<TagValue> values = new TreeSet<>(
        Comparator.comparing(TagValue::value).thenComparing(TagValue::type));
    for (SearchSql sql : tagStatements(query, "DISTINCT x.type, x.value", key)) {
      sql.append(" ORDER BY x.value, x.type LIMIT ?", (long) query.limit());
      values.addAll(read("listing tag values", connection -> budgeted(connection, sql, query.regexBudget(), rs -> {
        List<TagValue> out = new ArrayList<>();
        while (rs.next()) {
          out.add(new TagValue(TYPE_NAMES[rs.getInt(1)], rs.getString(2)));
        }
        return out;
      })));
    }
    List<TagValue> all = List.copyOf(values);
    return all.subList(0, Math.min(all.size(), query.limit()));
  }

  /**
   * The statements listing attribute rows {@code x} of the query's scope (one per table) on the
   * spans it selects; {@code key} keeps one key's rows of the listed types.
   */
  private static List<SearchSql> tagStatements(TagQuery query, String columns, @Nullable String key) {
    List<SearchSql> out = new ArrayList<>();
    String rows = key == null ? "" : " AND x.key = ? AND x.type IN (1, 2, 3, 4)";
    if (query.scope() != TagScope.RESOURCE) {
      SearchSql spans = SearchSql.selectedSpans(query, "s.span_no");
      SearchSql sql = new SearchSql();
      sql.append("SELECT " + columns + " FROM span_attributes x WHERE x.span_no >= "
          + sql.firstSpanNo(query.startMinNanos()));
      if (key != null) {
        sql.append(rows, key);
      }
      out.add(sql.appendSubquery(" AND x.span_no IN (", spans, ")"));
    }
    if (query.scope() != TagScope.SPAN) {
      SearchSql spans = SearchSql.selectedSpans(query, "s.resource_id");
      SearchSql sql = new SearchSql().append("SELECT " + columns + " FROM resource_attributes x WHERE TRUE");
      if (key != null) {
        sql.append(rows, key);
      }
      out.add(sql.appendSubquery(" AND x.resource_id IN (", spans, ")"));
    }
    return out;
  }

  @Override
  public List<RedPoint> red(RedQuery query) {
    requireNonNull(query, "query");
    return read("computing rate, errors and duration", connection -> Analytics.red(connection, query));
  }

  @Override
  public List<Baseline> baselines(Collection<OperationKey> operations, long startNanos, long endNanos,
      @Nullable TraceId excluding) {
    requireNonNull(operations, "operations");
    operations.forEach(op -> requireNonNull(op, "operation"));
    return read("computing baselines",
        connection -> Analytics.baselines(connection, operations, startNanos, endNanos, excluding));
  }

  @Override
  public CompareResult compare(CompareQuery query) {
    requireNonNull(query, "query");
    return read("comparing attributes", connection -> Analytics.compare(connection, query));
  }

  /**
   * Runs {@code sql}; when it has a regular expression, it is cancelled once it runs past
   * {@code budget}, and fails with {@link RegexBudgetExceededException} if it took longer.
   */
  private static <T> T budgeted(DuckDBConnection connection, SearchSql sql, Duration budget,
      Rows<T> rows) throws SQLException {
    return budgeted(connection, sql, budget, budget.toNanos(), rows);
  }

  /**
   * Runs {@code sql}; if it evaluates a regular expression, cancels it after {@code leftNanos} (the
   * part of {@code budget} that earlier statements of the same request left).
   */
  private static <T> T budgeted(DuckDBConnection connection, SearchSql sql, Duration budget,
      long leftNanos, Rows<T> rows) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(sql.sql())) {
      sql.bind(ps);
      if (!sql.hasRegex()) {
        try (ResultSet rs = ps.executeQuery()) {
          return rows.read(rs);
        }
      }
      long start = System.nanoTime();
      AtomicBoolean cancelled = new AtomicBoolean();
      ScheduledFuture<?> timer = BUDGETS.schedule(() -> {
        cancelled.set(true);
        try {
          ps.cancel();
        } catch (SQLException e) {
          logger.debug("Cancelling a statement past its regex budget failed", e);
        }
      }, Math.max(0, leftNanos), TimeUnit.NANOSECONDS);
      T result;
      try (ResultSet rs = ps.executeQuery()) {
        result = rows.read(rs);
      } catch (SQLException e) {
        if (cancelled.get()) {
          throw new RegexBudgetExceededException(budget);
        }
        throw e;
      } finally {
        timer.cancel(false);
      }
      if (cancelled.get() || System.nanoTime() - start > leftNanos) {
        throw new RegexBudgetExceededException(budget);
      }
      return result;
    }
  }

  @FunctionalInterface
  private interface Rows<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** A summary from the columns trace_id, start_ns, duration_ns, span_count, error_count, root_service, root_name, services. */
  private static TraceSummary summaryOf(ResultSet rs) throws SQLException {
    return new TraceSummary(TraceId.of(ByteString.copyFrom(rs.getBytes(1))), rs.getString(6),
        rs.getString(7), rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getInt(5),
        TraceRow.decodeServices(rs.getBytes(8)));
  }

  @Override
  public List<String> services() {
    return read("listing services", connection -> {
      List<String> out = new ArrayList<>();
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery("SELECT DISTINCT service FROM operations")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      // Sorted here, not in SQL, so every backend orders names the same way (Java's order).
      out.sort(Comparator.naturalOrder());
      return List.copyOf(out);
    });
  }

  @Override
  public List<Operation> operations(String service, @Nullable String spanKind) {
    requireNonNull(service, "service");
    if (spanKind != null && !KINDS.contains(spanKind)) {
      throw new IllegalArgumentException("spanKind: \"" + spanKind
          + "\" (expected: server, client, producer, consumer, internal, or empty for unspecified)");
    }
    return read("listing operations of " + service, connection -> {
      List<Operation> out = new ArrayList<>();
      try (PreparedStatement ps = connection.prepareStatement(
          "SELECT name, kind FROM operations WHERE service = ?")) {
        ps.setString(1, service);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Operation op = new Operation(rs.getString(1), SpanKinds.jaegerName(rs.getInt(2)));
            if (spanKind == null || spanKind.equals(op.spanKind())) {
              out.add(op);
            }
          }
        }
      }
      out.sort(OPERATION_ORDER);
      return List.copyOf(out);
    });
  }

  /**
   * Commits every batch accepted so far, stops the writer and retention, and releases the
   * database file. Idempotent; a concurrent call returns once the store is released.
   */
  @Override
  public void close() {
    synchronized (closeMonitor) {
      if (released) {
        return;
      }
      // Waits for reads and enqueues in flight; later ones see the flag and fail.
      lifecycle.writeLock().lock();
      try {
        closed = true;
      } finally {
        lifecycle.writeLock().unlock();
      }
      // Outside the lock: a callback of a completing write may call write() again.
      writer.stop();
      try {
        writerThread.join(CLOSE_TIMEOUT.toMillis());
        if (writerThread.isAlive()) {
          logger.error("The writer of {} did not finish within {}; closing anyway", description,
              CLOSE_TIMEOUT);
        }
        acks.shutdown();
        if (!acks.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          logger.error("Acknowledging writes to {} did not finish within {}", description,
              CLOSE_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        logger.warn("Interrupted while closing {}; writes in flight may not be acknowledged",
            description);
      }
      readers.close();
      try {
        origin.close();
      } catch (SQLException e) {
        logger.warn("Closing {} failed", description, e);
      }
      // Native memory; a writer still running may use it.
      if (!writerThread.isAlive()) {
        compression.close();
      }
      released = true;
      OPEN_FILES.remove(file);
      logger.info("Closed embedded store {}", description);
    }
  }

  /**
   * Closes every connection to the database, which a fatal error invalidated, and opens it again:
   * DuckDB's driver hands out the same invalidated instance while any connection to it is open.
   * Called by the writer; waits for reads in flight, which fail on an invalidated database anyway.
   */
  private DuckDBConnection reopen(DuckDBConnection writerConnection) throws SQLException {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        throw new SQLException("embedded store " + description + " is closing");
      }
      readers.close();
      Builder.closeQuietly(writerConnection, null);
      Builder.closeQuietly(origin, null);
      DuckDBConnection fresh = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file, openProperties);
      origin = fresh;
      readers = new ReadConnections(fresh);
      return fresh.duplicate();
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /** How often the database was opened again after a fatal error. */
  long reopened() {
    return writer.reopened();
  }

  @Override
  public String toString() {
    return "EmbeddedTraceStore{path=" + path + ", retention=" + retention + '}';
  }

  /** The value of DuckDB setting {@code name} in this store's database, as DuckDB prints it. */
  String duckdbSetting(String name) {
    return read("reading setting " + name, connection -> {
      try (PreparedStatement ps = connection.prepareStatement("SELECT current_setting(?)")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getString(1);
        }
      }
    });
  }

  private <T> T read(String what, Query<T> query) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw closedException();
      }
      DuckDBConnection connection = readers.borrow();
      boolean succeeded = false;
      try {
        T result = query.run(connection);
        succeeded = true;
        return result;
      } finally {
        // A failed read can leave its connection inside an aborted transaction, which fails every
        // later statement on it; such a connection is closed, not kept for the next read.
        if (succeeded) {
          readers.release(connection);
        } else {
          readers.discard(connection);
        }
      }
    } catch (SQLException e) {
      throw new StorageException("embedded store " + description + ": " + what + " failed: "
          + e.getMessage(), true, e);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("embedded store " + description + ": " + what
          + " found a span that does not parse: " + e.getMessage(), false, e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private StorageException closedException() {
    return new StorageException("embedded store " + description + " is closed", false, null);
  }

  @FunctionalInterface
  private interface Query<T> {
    T run(DuckDBConnection connection) throws SQLException, InvalidProtocolBufferException;
  }

  /**
   * Configures and opens an {@link EmbeddedTraceStore}. Each setter validates its value at once;
   * {@link #build()} opens the database, creating the directory and the file when missing.
   */
  public static final class Builder {
    private static final String CHECKPOINT_THRESHOLD = "checkpoint_threshold";
    /**
     * The write-ahead log size, in MiB, at which a commit also checkpoints when DuckDB's memory is
     * not capped (DuckDB's default is 16 MB). A checkpoint rewrites the row groups and indexes that
     * changed since the last one, so with DuckDB's default the writer spent most of its time
     * rewriting the same partly filled row groups; the price of a larger log is a longer replay
     * when the store opens after a crash.
     */
    private static final long UNCAPPED_CHECKPOINT_THRESHOLD_MIB = 256;
    /**
     * With a memory cap, the threshold is this fraction of it, and at least 16 MiB. A checkpoint of
     * a log as large as the cap leaves the data laid out so that reading a trace by ID is about
     * five times slower (5 million spans of the benchmark mix, 128 MiB cap: p50 7.2 ms with a
     * 128 MB or 256 MB threshold, 1.5 ms with 32 MB or 64 MB; with a 512 MiB cap, 1.1 ms at
     * 128 MB), for no gain in write speed. Of a half and a quarter, the 10-million-span query
     * benchmark loaded faster with a half (35,469 against 28,583 spans/s).
     */
    private static final long CHECKPOINT_THRESHOLD_DIVISOR = 2;
    private long memoryLimitMib;
    private @Nullable Path path;
    private Duration retention = Duration.ofDays(7);
    private Duration retentionCheckInterval = Duration.ofMinutes(1);
    private long maxPendingSpans = 200_000;
    private Clock clock = Clock.systemUTC();
    private final Properties settings = new Properties();

    private Builder() {}

    /** The directory to keep the database in; created with its parents when missing. Required. */
    public Builder path(Path path) {
      requireNonNull(path, "path");
      if (Files.exists(path) && !Files.isDirectory(path)) {
        throw new IllegalArgumentException("path: " + path + " (expected: a directory)");
      }
      this.path = path;
      return this;
    }

    /** How long spans are kept, measured from their start time. Default: 7 days. */
    public Builder retention(Duration retention) {
      requireNonNull(retention, "retention");
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("retention: " + retention + " (expected: > 0)");
      }
      this.retention = retention;
      return this;
    }

    /** How often expired spans are looked for. Default: 1 minute. */
    public Builder retentionCheckInterval(Duration retentionCheckInterval) {
      requireNonNull(retentionCheckInterval, "retentionCheckInterval");
      if (retentionCheckInterval.isNegative() || retentionCheckInterval.isZero()) {
        throw new IllegalArgumentException(
            "retentionCheckInterval: " + retentionCheckInterval + " (expected: > 0)");
      }
      this.retentionCheckInterval = retentionCheckInterval;
      return this;
    }

    /**
     * The most spans that may wait for the writer; beyond it, writes fail with a retryable
     * {@link StorageException} until the writer catches up. Default: 200,000, a few seconds of
     * writing and a few hundred megabytes of heap at most.
     */
    public Builder maxPendingSpans(long maxPendingSpans) {
      if (maxPendingSpans <= 0) {
        throw new IllegalArgumentException("maxPendingSpans: " + maxPendingSpans + " (expected: > 0)");
      }
      this.maxPendingSpans = maxPendingSpans;
      return this;
    }

    /** Sets a DuckDB configuration option when opening, such as {@code checkpoint_threshold}. For tests. */
    Builder duckdbSetting(String name, String value) {
      settings.setProperty(requireNonNull(name, "name"), requireNonNull(value, "value"));
      return this;
    }

    /**
     * Caps DuckDB's own memory (its buffer pool: table data, query intermediates) at {@code mib}
     * MiB, plus 96 bytes per stored trace for the index on trace IDs, which DuckDB cannot evict
     * (the writer raises the limit as traces are stored, at every retention check); beyond it
     * DuckDB evicts to disk or spills to its temporary directory, and a query that cannot fit
     * fails with a message. Without it DuckDB takes up to 80% of the machine's memory. This
     * memory is outside the JVM's heap, so no memory limiter sees it.
     *
     * @throws IllegalArgumentException if {@code mib} is not positive
     */
    public Builder memoryLimitMib(long mib) {
      if (mib <= 0) {
        throw new IllegalArgumentException("memoryLimitMib: " + mib + " (expected: > 0)");
      }
      settings.setProperty("memory_limit", mib + "MiB");
      memoryLimitMib = mib;
      return this;
    }

    /** The clock retention measures age with. For tests. */
    Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Opens the store.
     *
     * @throws IllegalStateException if no path was set
     * @throws StorageException if the directory cannot be created or the database cannot be
     *     opened, for example because another process has it open
     */
    public EmbeddedTraceStore build() {
      if (path == null) {
        throw new IllegalStateException("path: not set (expected: the directory to keep the database in)");
      }
      Path file;
      try {
        Files.createDirectories(path);
        file = path.toRealPath().resolve(DATABASE_FILE);
      } catch (IOException e) {
        throw new StorageException("embedded store: cannot create directory " + path + ": " + e, false, e);
      }
      if (!OPEN_FILES.add(file)) {
        throw new StorageException("embedded store: " + file
            + " is already open in this process (expected: one store per directory)", false, null);
      }
      Properties open = new Properties();
      open.setProperty(CHECKPOINT_THRESHOLD, checkpointThresholdMib() + "MiB");
      open.putAll(settings);
      DuckDBConnection origin = null;
      DuckDBConnection writerConnection = null;
      try {
        removeNativeLibraryCopies();
        origin = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file, open);
        removeSpillFiles(origin, file);
        int found = Schema.migrate(origin, file);
        Migration.fromVersion(origin, file, found);
        writerConnection = origin.duplicate();
        EmbeddedTraceStore store = new EmbeddedTraceStore(this, file, open, origin, writerConnection);
        logger.info("Opened embedded store {} ({}, schema version {}, retention {})", file,
            found == 0 ? "new" : "existing", Schema.VERSION, retention);
        return store;
      } catch (Exception e) {
        closeQuietly(writerConnection, e);
        closeQuietly(origin, e);
        OPEN_FILES.remove(file);
        if (e instanceof StorageException) {
          throw (StorageException) e;
        }
        throw new StorageException("embedded store: cannot open " + file + ": " + e.getMessage(),
            false, e);
      }
    }

    /** The log size at which DuckDB checkpoints, unless a DuckDB setting names it. */
    private long checkpointThresholdMib() {
      if (memoryLimitMib == 0) {
        return UNCAPPED_CHECKPOINT_THRESHOLD_MIB;
      }
      return Math.max(16, Math.min(UNCAPPED_CHECKPOINT_THRESHOLD_MIB, memoryLimitMib / CHECKPOINT_THRESHOLD_DIVISOR));
    }

    /**
     * Once per process, before DuckDB's driver loads: removes the copies of its native library
     * that killed processes left in the temporary directory. A failure is logged, never fatal.
     */
    private static void removeNativeLibraryCopies() {
      if (!NATIVE_LIBRARIES_CHECKED.compareAndSet(false, true)) {
        return;
      }
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      try {
        Leftovers.Removed removed = Leftovers.nativeLibraries(tmp, Path.of("/proc"), Instant.now());
        if (removed.files() > 0) {
          logger.info("Removed {} copies of DuckDB's native library ({} MiB) that killed processes"
              + " left in {}", removed.files(), removed.bytes() >> 20, tmp);
        }
      } catch (IOException | RuntimeException e) {
        logger.warn("Could not look for copies of DuckDB's native library left in {}: {}", tmp,
            e.toString());
      }
    }

    /**
     * Removes the spill files a killed process left in the database's temporary directory. The
     * database is open, so no other process is using that directory. A failure is logged, never
     * fatal.
     */
    private static void removeSpillFiles(DuckDBConnection connection, Path file) {
      try (Statement s = connection.createStatement()) {
        Path dir;
        try (ResultSet rs = s.executeQuery("SELECT current_setting('temp_directory')")) {
          rs.next();
          dir = file.resolveSibling(rs.getString(1)).toAbsolutePath().normalize();
        }
        Set<Path> inUse = new HashSet<>();
        try (ResultSet rs = s.executeQuery("SELECT path FROM duckdb_temporary_files()")) {
          while (rs.next()) {
            inUse.add(file.resolveSibling(rs.getString(1)).toAbsolutePath().normalize());
          }
        }
        Leftovers.Removed removed = Leftovers.spillFiles(dir, inUse);
        if (removed.files() > 0) {
          logger.info("Removed {} spill files ({} MiB) that a killed process left in {}",
              removed.files(), removed.bytes() >> 20, dir);
        }
      } catch (SQLException | IOException | RuntimeException e) {
        logger.warn("Could not look for spill files left beside {}: {}", file, e.toString());
      }
    }

    /** Closes {@code c}; a failure is attached to {@code cause}, or logged when there is none. */
    private static void closeQuietly(@Nullable DuckDBConnection c, @Nullable Exception cause) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException e) {
          if (cause != null) {
            cause.addSuppressed(e);
          } else {
            logger.debug("Closing a connection failed", e);
          }
        }
      }
    }
  }
}
