package dev.skein.storage.embedded;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections for readers, duplicated from the writer's so they share one database instance. A
 * DuckDB connection serves one query at a time, so each read borrows its own; idle ones are kept
 * for the next read, up to a small number.
 */
final class ReadConnections implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ReadConnections.class);
  private static final int MAX_IDLE = 8;

  private final DuckDBConnection origin;
  private final Deque<DuckDBConnection> idle = new ArrayDeque<>();
  private boolean closed;

  ReadConnections(DuckDBConnection origin) {
    this.origin = origin;
  }

  DuckDBConnection borrow() throws SQLException {
    synchronized (this) {
      if (closed) {
        throw new SQLException("read connections are closed");
      }
      DuckDBConnection c = idle.poll();
      if (c != null) {
        return c;
      }
      // Duplicating while holding the lock keeps it ordered against close().
      return origin.duplicate();
    }
  }

  void release(DuckDBConnection connection) {
    synchronized (this) {
      if (!closed && idle.size() < MAX_IDLE) {
        idle.push(connection);
        return;
      }
    }
    closeQuietly(connection);
  }

  /** Closes {@code connection}, which a failed read may have left unusable, instead of keeping it. */
  void discard(DuckDBConnection connection) {
    closeQuietly(connection);
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      idle.forEach(ReadConnections::closeQuietly);
      idle.clear();
    }
  }

  private static void closeQuietly(DuckDBConnection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      logger.debug("Closing a read connection failed", e);
    }
  }
}
