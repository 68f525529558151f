package dev.skein.components.servicegraph;

import com.google.protobuf.ByteString;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Half-seen requests waiting for their other span, keyed by trace ID and the client span's ID. At
 * most {@code maxItems} wait; each waits at most {@code ttl}. Complete edges leave at once through
 * {@code onComplete}, expired ones through {@code onExpire}. Thread-safe; the callbacks run under
 * the store's lock.
 */
final class EdgeStore {
  /** What {@link #upsert} did with the span. */
  enum Result { NEW, UPDATED, DROPPED }

  /** An edge of one tenant's trace ({@link dev.skein.model.Tenants#NONE} without multitenancy). */
  record Key(String tenant, ByteString traceId, ByteString spanId) {
    Key(ByteString traceId, ByteString spanId) {
      this(dev.skein.model.Tenants.NONE, traceId, spanId);
    }
  }

  private final long ttlNanos;
  private final int maxItems;
  private final Consumer<Edge> onComplete;
  private final Consumer<Edge> onExpire;
  private final LongSupplier clock;
  /** Insertion order is expiry order, since every edge gets the same ttl. */
  private final Map<Key, Edge> edges = new LinkedHashMap<>();

  EdgeStore(long ttlNanos, int maxItems, Consumer<Edge> onComplete, Consumer<Edge> onExpire, LongSupplier nanoClock) {
    this.ttlNanos = ttlNanos;
    this.maxItems = maxItems;
    this.onComplete = onComplete;
    this.onExpire = onExpire;
    this.clock = nanoClock;
  }

  synchronized Result upsert(Key key, Consumer<Edge> update) {
    Edge e = edges.get(key);
    if (e != null) {
      update.accept(e);
      if (e.isComplete()) {
        edges.remove(key);
        onComplete.accept(e);
      }
      return Result.UPDATED;
    }
    e = new Edge(key, clock.getAsLong() + ttlNanos);
    update.accept(e);
    if (e.isComplete()) {
      onComplete.accept(e);
      return Result.NEW;
    }
    if (edges.size() >= maxItems) {
      return Result.DROPPED;
    }
    edges.put(key, e);
    return Result.NEW;
  }

  /** Hands every edge whose wait is over to {@code onExpire}. */
  synchronized void expire() {
    long now = clock.getAsLong();
    for (Iterator<Edge> it = edges.values().iterator(); it.hasNext(); ) {
      Edge e = it.next();
      if (now - e.expiresAt < 0) {
        break;
      }
      it.remove();
      onExpire.accept(e);
    }
  }

  synchronized int size() {
    return edges.size();
  }
}
