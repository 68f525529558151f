package dev.skein.storage.memory;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Ids;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link TraceStore} that keeps spans on the heap, for tests, demos and the collector role. It
 * is not durable: everything is lost when the process ends or the store is closed.
 *
 * <p>At most {@code maxTraces} traces are kept; when a new trace would exceed that, the trace that
 * was first written longest ago is evicted, with every span of it. Services and operations are
 * those of the spans still held.
 *
 * <p>Thread-safe. Writes complete before {@link #write} returns; a batch whose spans are all
 * valid is stored whole, and one with a span whose trace ID is not 16 bytes (or all zero) is
 * rejected whole with a non-retryable {@link StorageException}. After {@link #close()} writes
 * fail and reads throw {@link StorageException}; close is idempotent.
 */
public final class MemoryTraceStore implements TraceStore {
  /** How many traces {@link #create()} keeps. */
  public static final int DEFAULT_MAX_TRACES = 100_000;

  private static final Capabilities CAPABILITIES = Capabilities.of(Capability.TRACE_BY_ID);
  private static final Set<String> KINDS =
      Set.of("server", "client", "producer", "consumer", "internal", "");
  private static final Comparator<Operation> OPERATION_ORDER =
      Comparator.comparing(Operation::name).thenComparing(Operation::spanKind);

  private final int maxTraces;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  // Insertion order is first-write order, which is the eviction order.
  private final LinkedHashMap<TraceId, List<StoredSpan>> traces = new LinkedHashMap<>();
  // service -> operation -> number of held spans; an entry goes when its count reaches zero.
  private final Map<String, Map<Operation, Integer>> operations = new HashMap<>();
  private boolean closed;

  private MemoryTraceStore(int maxTraces) {
    this.maxTraces = maxTraces;
  }

  /** Returns an empty store that keeps at most {@value #DEFAULT_MAX_TRACES} traces. */
  public static MemoryTraceStore create() {
    return new MemoryTraceStore(DEFAULT_MAX_TRACES);
  }

  /**
   * Returns an empty store that keeps at most {@code maxTraces} traces.
   *
   * @throws IllegalArgumentException if {@code maxTraces} is not positive
   */
  public static MemoryTraceStore create(int maxTraces) {
    if (maxTraces <= 0) {
      throw new IllegalArgumentException("maxTraces: " + maxTraces + " (expected: > 0)");
    }
    return new MemoryTraceStore(maxTraces);
  }

  /** The most traces this store keeps. */
  public int maxTraces() {
    return maxTraces;
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public CompletableFuture<Void> write(Traces batch) {
    requireNonNull(batch, "traces");
    List<StoredSpan> spans = new ArrayList<>(batch.spanCount());
    // One header instance per group of the batch, shared by its spans.
    for (ResourceSpans rs : batch.resourceSpans()) {
      ResourceSpans resource = rs.toBuilder().clearScopeSpans().build();
      String service = Resources.serviceName(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans scope = ss.toBuilder().clearSpans().build();
        for (Span span : ss.getSpansList()) {
          ByteString id = span.getTraceId();
          if (!Ids.isValidTraceId(id)) {
            return CompletableFuture.failedFuture(new StorageException("span " + span.getName()
                + " has trace ID " + Hex.encode(id) + " (expected: 16 bytes, not all zero);"
                + " the batch was not stored", false, null));
          }
          spans.add(new StoredSpan(TraceId.of(id), resource, scope, span, service));
        }
      }
    }
    lock.writeLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      for (StoredSpan s : spans) {
        List<StoredSpan> trace = traces.get(s.traceId);
        if (trace == null) {
          trace = new ArrayList<>();
          traces.put(s.traceId, trace);
        }
        trace.add(s);
        operations.computeIfAbsent(s.service, k -> new HashMap<>())
            .merge(operationOf(s.span), 1, Integer::sum);
      }
      evict();
    } finally {
      lock.writeLock().unlock();
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Optional<Traces> trace(TraceId traceId) {
    requireNonNull(traceId, "traceId");
    List<StoredSpan> copy;
    lock.readLock().lock();
    try {
      checkOpen();
      List<StoredSpan> spans = traces.get(traceId);
      if (spans == null) {
        return Optional.empty();
      }
      copy = List.copyOf(spans);
    } finally {
      lock.readLock().unlock();
    }
    Traces.Builder b = Traces.builder();
    for (StoredSpan s : copy) {
      b.add(s.resource, s.scope, s.span);
    }
    return Optional.of(b.build());
  }

  @Override
  public List<String> services() {
    lock.readLock().lock();
    try {
      checkOpen();
      List<String> out = new ArrayList<>(operations.keySet());
      out.sort(Comparator.naturalOrder());
      return List.copyOf(out);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Operation> operations(String service, @Nullable String spanKind) {
    requireNonNull(service, "service");
    checkSpanKind(spanKind);
    lock.readLock().lock();
    try {
      checkOpen();
      Map<Operation, Integer> ops = operations.getOrDefault(service, Map.of());
      List<Operation> out = new ArrayList<>();
      for (Operation op : ops.keySet()) {
        if (spanKind == null || spanKind.equals(op.spanKind())) {
          out.add(op);
        }
      }
      out.sort(OPERATION_ORDER);
      return List.copyOf(out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Drops every span; later writes fail. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      traces.clear();
      operations.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "MemoryTraceStore{maxTraces=" + maxTraces + '}';
  }

  private void evict() {
    Iterator<Map.Entry<TraceId, List<StoredSpan>>> it = traces.entrySet().iterator();
    while (traces.size() > maxTraces && it.hasNext()) {
      for (StoredSpan s : it.next().getValue()) {
        Map<Operation, Integer> ops = operations.get(s.service);
        ops.computeIfPresent(operationOf(s.span), (k, n) -> n == 1 ? null : n - 1);
        if (ops.isEmpty()) {
          operations.remove(s.service);
        }
      }
      it.remove();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private static StorageException closedException() {
    return new StorageException("memory trace store is closed", false, null);
  }

  private static Operation operationOf(Span span) {
    return new Operation(span.getName(), SpanKinds.jaegerName(span.getKindValue()));
  }

  private static void checkSpanKind(@Nullable String spanKind) {
    if (spanKind != null && !KINDS.contains(spanKind)) {
      throw new IllegalArgumentException("spanKind: \"" + spanKind
          + "\" (expected: server, client, producer, consumer, internal, or empty for unspecified)");
    }
  }

  private static final class StoredSpan {
    final TraceId traceId;
    final ResourceSpans resource;
    final ScopeSpans scope;
    final Span span;
    final String service;

    StoredSpan(TraceId traceId, ResourceSpans resource, ScopeSpans scope, Span span, String service) {
      this.traceId = traceId;
      this.resource = resource;
      this.scope = scope;
      this.span = span;
      this.service = service;
    }
  }
}
