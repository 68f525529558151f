package dev.skein.examples.shop.inventory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A few reusable JDBC connections, opened on first use. A connection that failed is closed rather
 * than returned, so that a restarted database is reconnected to.
 */
final class ConnectionPool {
  private final String url;
  private final Properties properties;
  private final BlockingQueue<Connection> idle;

  ConnectionPool(String url, Properties properties, int size) {
    this.url = url;
    this.properties = properties;
    this.idle = new ArrayBlockingQueue<>(size);
  }

  /** Runs {@code work} on a pooled connection. */
  <T> T with(SqlWork<T> work) throws SQLException {
    Connection c = idle.poll();
    if (c == null) {
      c = DriverManager.getConnection(url, properties);
    }
    boolean healthy = false;
    try {
      T result = work.run(c);
      healthy = true;
      return result;
    } finally {
      if (!healthy || !idle.offer(c)) {
        c.close();
      }
    }
  }

  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }
}
