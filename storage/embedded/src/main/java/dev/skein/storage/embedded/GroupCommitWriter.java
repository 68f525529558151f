package dev.skein.storage.embedded;

import dev.skein.model.Nullable;
import dev.skein.storage.StorageException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the database. It takes every batch queued since its last commit,
 * appends them all through {@link TraceTables} in one transaction, commits once, and only then
 * completes their futures: one WAL sync for many writers. Retention runs on the same thread
 * between commits, so deletes never race appends and the caches of known rows stay exact.
 *
 * <p>Futures are completed on {@code acks}, never on this thread, so a caller's callback cannot
 * stall or deadlock the writer.
 *
 * <p>After a fatal error (a checkpoint that could not write the file when the disk was full, for
 * example) DuckDB refuses every statement until the database is opened again. The writer then
 * has the store open it again, through {@link Reopener}, before its next commit: what was
 * committed is in the file or its log and survives, and the batches that failed were not
 * acknowledged, so their senders retry. Until opening succeeds, each commit tries again, at most
 * once per {@link #REOPEN_INTERVAL}, and fails with a retryable error.
 */
final class GroupCommitWriter implements Runnable {
  private static final Logger logger = LoggerFactory.getLogger(GroupCommitWriter.class);
  /** Stops a group from growing without bound while writers keep the queue full. */
  private static final int MAX_SPANS_PER_COMMIT = 50_000;
  private static final Pending STOP = new Pending(null, null);
  /**
   * DuckDB's memory allowed per stored trace on top of the configured cap, for the index on trace
   * IDs: DuckDB holds the parts of an index it has read in memory, counts them against its limit
   * and cannot evict them. The whole index of 374,847 traces took 22.0 MiB (61.5 bytes each); this
   * leaves half as much again.
   */
  static final long INDEX_BYTES_PER_TRACE = 96;
  private static final Duration REOPEN_INTERVAL = Duration.ofSeconds(1);

  /** Opens the store's database again after a fatal error. */
  @FunctionalInterface
  interface Reopener {
    /**
     * Closes every connection to the database, {@code writer} included, opens it again, and returns
     * a new connection for the writer.
     */
    DuckDBConnection reopen(DuckDBConnection writer) throws SQLException;
  }

  private DuckDBConnection connection;
  private final Reopener reopener;
  private final String description;
  private final Duration retention;
  private final long retentionCheckNanos;
  private final Clock clock;
  private final ExecutorService acks;
  private final SpanCompression compression;
  /** The configured memory cap in MiB, or 0 for none (DuckDB's default then applies). */
  private final long cacheLimitMib;
  private long memoryLimitMib;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedSpans = new AtomicLong();

  // Only this thread touches it once it runs, except newestStart, which any thread may read.
  private volatile TraceTables tables;
  /** The fatal error that invalidated the database, until it is opened again. */
  private @Nullable Exception fatal;
  private long nextReopen;
  private final AtomicLong reopened = new AtomicLong();

  GroupCommitWriter(DuckDBConnection connection, Reopener reopener, String description, Duration retention,
      Duration retentionCheckInterval, Clock clock, ExecutorService acks, long cacheLimitMib,
      SpanCompression compression) throws SQLException {
    this.connection = connection;
    this.reopener = reopener;
    this.cacheLimitMib = cacheLimitMib;
    this.memoryLimitMib = cacheLimitMib;
    this.description = description;
    this.retention = retention;
    this.retentionCheckNanos = retentionCheckInterval.toNanos();
    this.clock = clock;
    this.acks = acks;
    this.compression = compression;
    this.tables = new TraceTables(connection, compression);
  }

  /** The latest start time of a committed trace: see {@link TraceTables#newestStart}. */
  long newestStart() {
    return tables.newestStart();
  }

  /** How often the database was opened again after a fatal error. */
  long reopened() {
    return reopened.get();
  }

  /** Spans queued and not yet committed or failed. */
  long queuedSpans() {
    return queuedSpans.get();
  }

  /** Queues {@code batch}; the caller has checked that the store is open. */
  void enqueue(Batch batch, CompletableFuture<Void> future) {
    queuedSpans.addAndGet(batch.spanCount());
    queue.add(new Pending(batch, future));
  }

  /** Makes {@link #run} return once everything queued before this call is committed. */
  void stop() {
    queue.add(STOP);
  }

  @Override
  public void run() {
    // Retention first runs right after opening, so a store that was down for long catches up.
    long nextRetention = System.nanoTime();
    boolean stopping = false;
    while (!stopping) {
      List<Pending> group = new ArrayList<>();
      try {
        // Reads fail too until the database is open again, so opening it does not wait for a write;
        // retention waits for it.
        long wait = (fatal != null ? nextReopen : nextRetention) - System.nanoTime();
        Pending first = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
        if (first != null) {
          stopping = drain(first, group);
        }
        if (!group.isEmpty()) {
          commit(group);
        } else if (!stopping) {
          reopenIfInvalidated();
        }
        if (!stopping && fatal == null && System.nanoTime() - nextRetention >= 0) {
          deleteExpired();
          fitMemoryLimit();
          nextRetention = System.nanoTime() + retentionCheckNanos;
        }
      } catch (InterruptedException e) {
        // Nobody else interrupts this thread; it serves until stop() is called.
      } catch (Throwable t) {
        // This thread must outlive any failure, or every later write would wait forever.
        logger.error("The writer of {} failed", description, t);
        fail(group, new StorageException("embedded store " + description + ": " + t, true, t));
      }
    }
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    left.remove(STOP);
    fail(left, new StorageException("embedded store " + description + " is closed", false, null));
    try {
      connection.close();
    } catch (SQLException e) {
      logger.warn("Closing the writer connection of {} failed", description, e);
    }
  }

  /** Moves {@code first} and what else is queued into {@code group}; returns whether STOP came. */
  private boolean drain(Pending first, List<Pending> group) {
    Pending next = first;
    int spans = 0;
    while (next != null) {
      if (next == STOP) {
        return true;
      }
      group.add(next);
      spans += next.batch.spanCount();
      if (spans >= MAX_SPANS_PER_COMMIT) {
        return false;
      }
      next = queue.poll();
    }
    return false;
  }

  private void commit(List<Pending> group) {
    int spans = 0;
    List<Batch> batches = new ArrayList<>(group.size());
    for (Pending p : group) {
      spans += p.batch.spanCount();
      batches.add(p.batch);
    }
    TraceTables.Appended appended = null;
    StorageException failure = null;
    if (!reopenIfInvalidated()) {
      queuedSpans.addAndGet(-spans);
      fail(group, new StorageException("embedded store " + description + ": committing " + spans
          + " spans failed: the database is not open again yet after a fatal error: "
          + fatal.getMessage() + "; retry later", true, fatal));
      return;
    }
    try (Statement s = connection.createStatement()) {
      // An explicit transaction: with auto-commit the appenders would commit on every flush.
      s.execute("BEGIN TRANSACTION");
      try {
        appended = tables.append(batches);
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(s, e);
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      logger.warn("Committing {} spans to {} failed", spans, description, e);
      noteIfFatal(e);
      // Retryable after a fatal error too: the next commit opens the database again.
      failure = new StorageException("embedded store " + description + ": committing " + spans
          + " spans failed: " + e.getMessage(), true, e);
    }
    if (failure == null) {
      tables.committed(appended);
    }
    queuedSpans.addAndGet(-spans);
    if (failure == null) {
      acks.execute(() -> group.forEach(p -> p.future.complete(null)));
    } else {
      fail(group, failure);
    }
  }

  private void fail(List<Pending> group, StorageException failure) {
    if (!group.isEmpty()) {
      acks.execute(() -> group.forEach(p -> p.future.completeExceptionally(failure)));
    }
  }

  /**
   * Deletes every trace whose first span started before now minus the retention, with all its
   * spans, attribute and event rows, then the resources, scopes and operations no remaining span
   * uses.
   */
  private void deleteExpired() {
    long cutoff = Math.subtractExact(
        Math.multiplyExact(clock.millis(), 1_000_000L), retention.toNanos());
    long began = System.nanoTime();
    try (Statement s = connection.createStatement()) {
      // The expired traces' spans came in their batches, so no span of theirs has a higher
      // batch number than the highest they list: the row groups of newer batches are skipped.
      long lastBatch;
      try (ResultSet rs = s.executeQuery("SELECT count(*), max(list_max(batches)) FROM traces WHERE start_ns < " + cutoff)) {
        rs.next();
        if (rs.getLong(1) == 0) {
          return;
        }
        long highest = rs.getLong(2);
        lastBatch = rs.wasNull() ? Long.MAX_VALUE : highest;
      }
      String expired = "(SELECT trace_id FROM traces WHERE start_ns < " + cutoff + ")";
      String expiredSpans = "batch_seq <= " + lastBatch + " AND trace_id IN " + expired;
      s.execute("BEGIN TRANSACTION");
      int deleted;
      try {
        // Attribute and event rows name their span by number; DuckDB skips the row groups of
        // numbers above the highest expired one.
        String expiredNumbers = "span_no IN (SELECT span_no FROM spans WHERE " + expiredSpans + ")";
        s.executeUpdate("DELETE FROM span_attributes WHERE " + expiredNumbers);
        s.executeUpdate("DELETE FROM span_events WHERE " + expiredNumbers);
        deleted = s.executeUpdate("DELETE FROM spans WHERE " + expiredSpans);
        s.executeUpdate("DELETE FROM traces WHERE start_ns < " + cutoff);
        s.executeUpdate("DELETE FROM operations o WHERE NOT EXISTS (SELECT 1 FROM spans s"
            + " WHERE s.service = o.service AND s.name = o.name AND s.kind = o.kind)");
        s.executeUpdate("DELETE FROM resources WHERE resource_id NOT IN"
            + " (SELECT DISTINCT resource_id FROM spans)");
        s.executeUpdate("DELETE FROM resource_attributes WHERE resource_id NOT IN"
            + " (SELECT resource_id FROM resources)");
        s.executeUpdate("DELETE FROM scopes WHERE scope_id NOT IN"
            + " (SELECT DISTINCT scope_id FROM spans)");
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(s, e);
        throw e;
      }
      logger.info("Deleted {} spans of traces older than {} from {} in {} ms", deleted, retention, description,
          (System.nanoTime() - began) / 1_000_000);
      tables.reload();
    } catch (SQLException | RuntimeException e) {
      // The next check tries again; the data only stays longer than asked.
      logger.warn("Deleting expired spans from {} failed", description, e);
      noteIfFatal(e);
    }
  }

  /**
   * Sets DuckDB's memory limit to the configured cap plus {@link #INDEX_BYTES_PER_TRACE} for every
   * stored trace, so the index fits beside the cached blocks however many traces are stored.
   */
  private void fitMemoryLimit() {
    if (cacheLimitMib == 0) {
      return;
    }
    try (Statement s = connection.createStatement()) {
      long traces;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM traces")) {
        rs.next();
        traces = rs.getLong(1);
      }
      long limit = cacheLimitMib + (traces * INDEX_BYTES_PER_TRACE + (1 << 20) - 1) / (1 << 20);
      if (limit != memoryLimitMib) {
        s.execute("SET memory_limit = '" + limit + "MiB'");
        logger.debug("DuckDB's memory limit for {} is now {} MiB ({} traces stored)", description, limit, traces);
        memoryLimitMib = limit;
      }
    } catch (SQLException | RuntimeException e) {
      logger.warn("Setting DuckDB's memory limit for {} failed", description, e);
      noteIfFatal(e);
    }
  }

  /**
   * Remembers {@code e} when it is DuckDB's fatal error, after which the database refuses every
   * statement until it is opened again.
   */
  private void noteIfFatal(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (message.contains("FATAL Error") || message.contains("database has been invalidated")) {
        if (fatal == null) {
          logger.error("DuckDB invalidated the database of {} after a fatal error; opening it again",
              description);
          fatal = e;
          nextReopen = System.nanoTime();
        }
        return;
      }
    }
  }

  /**
   * Opens the database again when a fatal error invalidated it, at most once per
   * {@link #REOPEN_INTERVAL}; returns whether it is usable.
   */
  private boolean reopenIfInvalidated() {
    if (fatal == null) {
      return true;
    }
    if (System.nanoTime() - nextReopen < 0) {
      return false;
    }
    nextReopen = System.nanoTime() + REOPEN_INTERVAL.toNanos();
    DuckDBConnection fresh;
    try {
      fresh = reopener.reopen(connection);
    } catch (SQLException | RuntimeException e) {
      logger.warn("Opening {} again after a fatal error failed; trying again in {}", description,
          REOPEN_INTERVAL, e);
      return false;
    }
    connection = fresh;
    try {
      tables = new TraceTables(fresh, compression);
    } catch (SQLException | RuntimeException e) {
      logger.warn("Reading {} after opening it again failed; trying again in {}", description,
          REOPEN_INTERVAL, e);
      noteIfFatal(e);
      return false;
    }
    fatal = null;
    // The new database starts with the configured cap; the index needs room beyond it at once.
    memoryLimitMib = -1;
    fitMemoryLimit();
    reopened.incrementAndGet();
    logger.info("Opened {} again after a fatal error", description);
    return true;
  }

  private static final class Pending {
    final Batch batch;
    final CompletableFuture<Void> future;

    Pending(Batch batch, CompletableFuture<Void> future) {
      this.batch = batch;
      this.future = future;
    }
  }
}
