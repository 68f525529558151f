package dev.skein.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;

/** The readers' connections: kept after a good read, closed after a failed one, none after close. */
class ReadConnectionsTest {
  @Test
  void keepsAConnectionReleasedAfterAGoodReadAndClosesOneDiscardedAfterAFailedRead() throws Exception {
    try (DuckDBConnection origin = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        ReadConnections readers = new ReadConnections(origin)) {
      DuckDBConnection first = readers.borrow();
      assertThat(answer(first)).isEqualTo(42);
      readers.release(first);
      assertThat(readers.borrow()).as("the connection kept idle, lent again").isSameAs(first);

      // A read that fails inside its transaction leaves the connection refusing every statement.
      try (Statement s = first.createStatement()) {
        s.execute("BEGIN TRANSACTION");
        assertThatThrownBy(() -> s.executeQuery("SELECT CAST('forty-two' AS INTEGER)")).isInstanceOf(SQLException.class);
      }
      assertThatThrownBy(() -> answer(first)).as("the failed read's connection").isInstanceOf(SQLException.class);
      readers.discard(first);
      assertThat(first.isClosed()).isTrue();

      DuckDBConnection next = readers.borrow();
      assertThat(next).isNotSameAs(first);
      assertThat(answer(next)).as("the next read, on a connection of its own").isEqualTo(42);
      readers.release(next);
    }
  }

  @Test
  void closesTheIdleConnectionsAndLendsNoneOnceClosed() throws Exception {
    try (DuckDBConnection origin = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:")) {
      ReadConnections readers = new ReadConnections(origin);
      DuckDBConnection idle = readers.borrow();
      DuckDBConnection busy = readers.borrow();
      readers.release(idle);
      readers.close();
      assertThat(idle.isClosed()).as("idle when closed").isTrue();
      readers.release(busy);
      assertThat(busy.isClosed()).as("released after close").isTrue();
      assertThatThrownBy(readers::borrow).isInstanceOf(SQLException.class).hasMessage("read connections are closed");
      assertThat(answer(origin)).as("the writer's connection stays open").isEqualTo(42);
    }
  }

  private static int answer(DuckDBConnection connection) throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 42")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
