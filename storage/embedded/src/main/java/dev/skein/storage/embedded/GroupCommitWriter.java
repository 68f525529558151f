package dev.skein.storage.embedded;

import dev.skein.storage.StorageException;
import dev.skein.storage.embedded.Batch.OperationKey;
import dev.skein.storage.embedded.Batch.ResourceRow;
import dev.skein.storage.embedded.Batch.ScopeRow;
import dev.skein.storage.embedded.Batch.SpanRow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes the database. It takes every batch queued since its last commit,
 * appends them all with DuckDB appenders in one transaction, commits once, and only then
 * completes their futures: one WAL sync for many writers. Retention runs on the same thread
 * between commits, so deletes never race appends and the caches of known rows stay exact.
 *
 * <p>Futures are completed on {@code acks}, never on this thread, so a caller's callback cannot
 * stall or deadlock the writer.
 */
final class GroupCommitWriter implements Runnable {
  private static final Logger logger = LoggerFactory.getLogger(GroupCommitWriter.class);
  /** Stops a group from growing without bound while writers keep the queue full. */
  private static final int MAX_SPANS_PER_COMMIT = 50_000;
  private static final Pending STOP = new Pending(null, null);

  private final DuckDBConnection connection;
  private final String description;
  private final Duration retention;
  private final long retentionCheckNanos;
  private final Clock clock;
  private final ExecutorService acks;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedSpans = new AtomicLong();

  // Rows already in the database; only this thread touches them once it runs.
  private Set<Long> resources;
  private Set<Long> scopes;
  private Set<OperationKey> operations;

  GroupCommitWriter(DuckDBConnection connection, String description, Duration retention,
      Duration retentionCheckInterval, Clock clock, ExecutorService acks) throws SQLException {
    this.connection = connection;
    this.description = description;
    this.retention = retention;
    this.retentionCheckNanos = retentionCheckInterval.toNanos();
    this.clock = clock;
    this.acks = acks;
    loadKnownRows();
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
        long wait = nextRetention - System.nanoTime();
        Pending first = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
        if (first != null) {
          stopping = drain(first, group);
        }
        if (!group.isEmpty()) {
          commit(group);
        }
        if (!stopping && System.nanoTime() - nextRetention >= 0) {
          deleteExpired();
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
    for (Pending p : group) {
      spans += p.batch.spanCount();
    }
    Set<Long> newResources = new HashSet<>();
    Set<Long> newScopes = new HashSet<>();
    Set<OperationKey> newOperations = new HashSet<>();
    StorageException failure = null;
    try (Statement s = connection.createStatement()) {
      // An explicit transaction: with auto-commit the appenders would commit on every flush.
      s.execute("BEGIN TRANSACTION");
      try {
        append(group, newResources, newScopes, newOperations);
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(s, e);
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      logger.warn("Committing {} spans to {} failed", spans, description, e);
      // After a fatal error DuckDB refuses every write until the database is opened again.
      boolean retryable = !String.valueOf(e.getMessage()).contains("invalidated");
      failure = new StorageException("embedded store " + description + ": committing " + spans
          + " spans failed: " + e.getMessage(), retryable, e);
    }
    if (failure == null) {
      resources.addAll(newResources);
      scopes.addAll(newScopes);
      operations.addAll(newOperations);
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

  private void append(List<Pending> group, Set<Long> newResources, Set<Long> newScopes,
      Set<OperationKey> newOperations) throws SQLException {
    try (DuckDBAppender spans = appender("spans");
        DuckDBAppender spanAttributes = appender("span_attributes")) {
      for (Pending p : group) {
        for (SpanRow row : p.batch.spans) {
          spans.beginRow()
              .append(row.traceId)
              .append(row.spanId);
          if (row.parentSpanId == null) {
            spans.appendNull();
          } else {
            spans.append(row.parentSpanId);
          }
          spans.append(row.service)
              .append(row.name)
              .append(row.kind)
              .append(row.startNanos)
              .append(row.endNanos)
              .append(row.endNanos - row.startNanos)
              .append(row.statusCode)
              .append(row.resourceId)
              .append(row.scopeId)
              .append(row.payload)
              .endRow();
          for (String[] kv : row.attributes) {
            spanAttributes.beginRow()
                .append(row.traceId)
                .append(row.spanId)
                .append(row.startNanos)
                .append(kv[0])
                .append(kv[1])
                .endRow();
          }
          OperationKey op = row.operation();
          if (!operations.contains(op)) {
            newOperations.add(op);
          }
        }
      }
    }
    List<ResourceRow> resourceRows = new ArrayList<>();
    List<ScopeRow> scopeRows = new ArrayList<>();
    for (Pending p : group) {
      for (ResourceRow r : p.batch.resources) {
        if (!resources.contains(r.id()) && newResources.add(r.id())) {
          resourceRows.add(r);
        }
      }
      for (ScopeRow r : p.batch.scopes) {
        if (!scopes.contains(r.id()) && newScopes.add(r.id())) {
          scopeRows.add(r);
        }
      }
    }
    if (!resourceRows.isEmpty()) {
      try (DuckDBAppender a = appender("resources");
          DuckDBAppender attributes = appender("resource_attributes")) {
        for (ResourceRow r : resourceRows) {
          a.beginRow().append(r.id()).append(r.service()).append(r.payload()).endRow();
          for (String[] kv : r.attributes()) {
            attributes.beginRow().append(r.id()).append(kv[0]).append(kv[1]).endRow();
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
    if (!newOperations.isEmpty()) {
      try (DuckDBAppender a = appender("operations")) {
        for (OperationKey op : newOperations) {
          a.beginRow().append(op.service()).append(op.name()).append(op.kind()).endRow();
        }
      }
    }
  }

  private DuckDBAppender appender(String table) throws SQLException {
    return connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table);
  }

  /**
   * Deletes spans that started before now minus the retention, with their attribute rows, then
   * the resources, scopes and operations no remaining span uses.
   */
  private void deleteExpired() {
    long cutoff = Math.subtractExact(
        Math.multiplyExact(clock.millis(), 1_000_000L), retention.toNanos());
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      int deleted;
      try {
        deleted = s.executeUpdate("DELETE FROM spans WHERE start_ns < " + cutoff);
        s.executeUpdate("DELETE FROM span_attributes WHERE start_ns < " + cutoff);
        if (deleted > 0) {
          s.executeUpdate("DELETE FROM operations o WHERE NOT EXISTS (SELECT 1 FROM spans s"
              + " WHERE s.service = o.service AND s.name = o.name AND s.kind = o.kind)");
          s.executeUpdate("DELETE FROM resources WHERE resource_id NOT IN"
              + " (SELECT DISTINCT resource_id FROM spans)");
          s.executeUpdate("DELETE FROM resource_attributes WHERE resource_id NOT IN"
              + " (SELECT resource_id FROM resources)");
          s.executeUpdate("DELETE FROM scopes WHERE scope_id NOT IN"
              + " (SELECT DISTINCT scope_id FROM spans)");
        }
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        Schema.rollback(s, e);
        throw e;
      }
      if (deleted > 0) {
        logger.info("Deleted {} spans older than {} from {}", deleted, retention, description);
        loadKnownRows();
      }
    } catch (SQLException | RuntimeException e) {
      // The next check tries again; the data only stays longer than asked.
      logger.warn("Deleting expired spans from {} failed", description, e);
    }
  }

  /** Reads the keys of the deduplicated tables; replaces the caches only when all were read. */
  private void loadKnownRows() throws SQLException {
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
    }
    this.resources = resources;
    this.scopes = scopes;
    this.operations = operations;
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
