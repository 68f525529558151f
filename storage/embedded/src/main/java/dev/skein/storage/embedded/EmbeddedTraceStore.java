package dev.skein.storage.embedded;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.Operation;
import dev.skein.storage.SpanKinds;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * honours fsync. Writes from all threads go through
 * one writer thread that commits every queued batch in one transaction (group commit), so many
 * concurrent writers share one sync. A batch is stored whole or not at all. A failed commit fails
 * the futures of every batch in it with a retryable {@link StorageException}; a batch with an
 * invalid trace ID is refused with a non-retryable one; when more than {@code maxPendingSpans}
 * spans wait for the writer, new batches are refused with a retryable one. Futures complete on an
 * internal thread, in commit order.
 *
 * <p><b>Reads</b> run on the caller's thread, each on its own connection, and see every write whose
 * future has completed. <b>Retention</b>: spans that started more than {@code retention} ago are
 * deleted, checked every {@code retentionCheckInterval} and right after opening.
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
  private static final Capabilities CAPABILITIES =
      Capabilities.of(Capability.TRACE_BY_ID, Capability.DURABLE, Capability.RETENTION);
  private static final Set<String> KINDS =
      Set.of("server", "client", "producer", "consumer", "internal", "");
  private static final Comparator<Operation> OPERATION_ORDER =
      Comparator.comparing(Operation::name).thenComparing(Operation::spanKind);
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(5);
  /**
   * Database files open in this process. DuckDB's driver hands a second open of the same file the
   * same database instance, so two stores would both write it, each with its own caches.
   */
  private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final Path file;
  private final Duration retention;
  private final Duration retentionCheckInterval;
  private final long maxPendingSpans;
  private final String description;
  private final DuckDBConnection origin;
  private final ReadConnections readers;
  private final HeaderCache headers = new HeaderCache();
  private final GroupCommitWriter writer;
  private final Thread writerThread;
  private final ExecutorService acks;
  // Writes and reads hold the read lock while they use the database; close takes the write lock.
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Object closeMonitor = new Object();
  private volatile boolean closed;
  private boolean released;

  private EmbeddedTraceStore(Builder b, Path file, DuckDBConnection origin, DuckDBConnection writerConnection)
      throws SQLException {
    this.path = b.path;
    this.file = file;
    this.retention = b.retention;
    this.retentionCheckInterval = b.retentionCheckInterval;
    this.maxPendingSpans = b.maxPendingSpans;
    this.description = file.toString();
    this.origin = origin;
    this.readers = new ReadConnections(origin);
    this.acks = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "skein-embedded-acks");
      t.setDaemon(true);
      return t;
    });
    this.writer = new GroupCommitWriter(writerConnection, description, retention,
        retentionCheckInterval, b.clock, acks);
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
    return read("reading trace " + traceId, connection -> {
      List<long[]> ids = new ArrayList<>();
      List<byte[]> payloads = new ArrayList<>();
      Map<Long, ResourceSpans> resources = new HashMap<>();
      Map<Long, ScopeSpans> scopes = new HashMap<>();
      try (Statement tx = connection.createStatement()) {
        // One snapshot for spans and headers, so retention cannot remove a header in between.
        tx.execute("BEGIN TRANSACTION");
        try {
          // Headers are fetched separately: joining them cost ten times the indexed span lookup.
          try (PreparedStatement ps = connection.prepareStatement(
              "SELECT resource_id, scope_id, span FROM spans WHERE trace_id = ?"
                  + " ORDER BY start_ns, span_id")) {
            ps.setBytes(1, traceId.bytes().toByteArray());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                ids.add(new long[] {rs.getLong(1), rs.getLong(2)});
                payloads.add(rs.getBytes(3));
              }
            }
          }
          if (!ids.isEmpty()) {
            for (long[] id : ids) {
              resources.put(id[0], null);
              scopes.put(id[1], null);
            }
            headers.resources(tx, resources);
            headers.scopes(tx, scopes);
          }
          tx.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          Schema.rollback(tx, e);
          throw e;
        }
      }
      if (ids.isEmpty()) {
        return Optional.<Traces>empty();
      }
      Traces.Builder b = Traces.builder();
      for (int i = 0; i < ids.size(); i++) {
        b.add(resources.get(ids.get(i)[0]), scopes.get(ids.get(i)[1]), Span.parseFrom(payloads.get(i)));
      }
      return Optional.of(b.build());
    });
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
      released = true;
      OPEN_FILES.remove(file);
      logger.info("Closed embedded store {}", description);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedTraceStore{path=" + path + ", retention=" + retention + '}';
  }

  private <T> T read(String what, Query<T> query) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw closedException();
      }
      DuckDBConnection connection = readers.borrow();
      try {
        return query.run(connection);
      } finally {
        readers.release(connection);
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
      DuckDBConnection origin = null;
      DuckDBConnection writerConnection = null;
      try {
        origin = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file, settings);
        int found = Schema.migrate(origin, file);
        writerConnection = origin.duplicate();
        EmbeddedTraceStore store = new EmbeddedTraceStore(this, file, origin, writerConnection);
        logger.info("Opened embedded store {} ({}, schema version {}, retention {})", file,
            found == 0 ? "new" : "existing", Schema.VERSION, retention);
        return store;
      } catch (SQLException | RuntimeException e) {
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

    private static void closeQuietly(@Nullable DuckDBConnection c, Exception cause) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException e) {
          cause.addSuppressed(e);
        }
      }
    }
  }
}
