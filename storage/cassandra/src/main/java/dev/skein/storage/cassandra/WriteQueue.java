package dev.skein.storage.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Sends statements with at most {@code maxInFlight} of them executing at once, the rest waiting
 * here in arrival order. The driver's request timeout starts when a statement is handed to it,
 * even when its own throttler then queues it; a write of thousands of rows handed over at once
 * would let the last of them time out in that queue while the cluster is healthy but busy. Waiting
 * here instead, each statement's timeout covers only its own round trip.
 */
final class WriteQueue {
  private record Pending(Statement<?> statement, CompletableFuture<Void> done) {}

  private final CqlSession session;
  private final int maxInFlight;
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;

  WriteQueue(CqlSession session, int maxInFlight) {
    if (maxInFlight <= 0) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: > 0)");
    }
    this.session = session;
    this.maxInFlight = maxInFlight;
  }

  /** Queues {@code statement}; the future completes when Cassandra acknowledged it, or failed. */
  CompletableFuture<Void> submit(Statement<?> statement) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (this) {
      waiting.add(new Pending(statement, done));
    }
    sendWhatFits();
    return done;
  }

  private void sendWhatFits() {
    while (true) {
      Pending next;
      synchronized (this) {
        if (inFlight >= maxInFlight || waiting.isEmpty()) {
          return;
        }
        next = waiting.poll();
        inFlight++;
      }
      session.executeAsync(next.statement()).whenComplete((result, failure) -> {
        synchronized (this) {
          inFlight--;
        }
        if (failure == null) {
          next.done().complete(null);
        } else {
          next.done().completeExceptionally(failure);
        }
        sendWhatFits();
      });
    }
  }
}
