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
import dev.skein.storage.search.AttributeValues;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.RegexBudget;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.SpanMatcher;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.TraceSummaryBuilder;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link TraceStore} that keeps spans on the heap, for tests, demos and the collector role. It
 * is not durable: everything is lost when the process ends or the store is closed.
 *
 * <p>At most {@code maxTraces} traces are kept; when a new trace would exceed that, the trace that
 * was first written longest ago is evicted, with every span of it. Services and operations are
 * those of the spans still held.
 *
 * <p>Every search, dependency, tag and analytics query looks at every held trace, which is fine for the
 * hundred thousand traces it holds by default. Thread-safe. Writes complete before
 * {@link #write} returns; a batch whose spans are all valid is stored whole, and one with a span
 * whose trace ID is not 16 bytes (or all zero) is rejected whole with a non-retryable
 * {@link StorageException}. A span written again under the same resource and scope is kept once.
 * After {@link #close()} writes fail and reads throw {@link StorageException}; close is idempotent.
 */
public final class MemoryTraceStore implements TraceStore {
  /** How many traces {@link #create()} keeps. */
  public static final int DEFAULT_MAX_TRACES = 100_000;

  private static final Capabilities CAPABILITIES = Capabilities.of(Capability.TRACE_BY_ID,
      Capability.SEARCH, Capability.TRACEQL_STRUCTURAL, Capability.DEPENDENCIES, Capability.TAGS,
      Capability.ANALYTICS);
  private static final Set<String> KINDS =
      Set.of("server", "client", "producer", "consumer", "internal", "");
  private static final Comparator<Operation> OPERATION_ORDER =
      Comparator.comparing(Operation::name).thenComparing(Operation::spanKind);
  private static final Comparator<TagValue> TAG_VALUE_ORDER =
      Comparator.comparing(TagValue::value).thenComparing(TagValue::type);
  private static final Comparator<RedPoint> RED_ORDER = Comparator.comparing(RedPoint::service)
      .thenComparing(RedPoint::operation, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparingLong(RedPoint::bucketStartNanos);
  private static final Comparator<CompareResult.AttributeShare> SHARE_ORDER =
      Comparator.comparingDouble(CompareResult.AttributeShare::difference).reversed()
          .thenComparing(CompareResult.AttributeShare::scope)
          .thenComparing(CompareResult.AttributeShare::key)
          .thenComparing(CompareResult.AttributeShare::value);

  private final int maxTraces;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  // Insertion order is first-write order, which is the eviction order.
  private final LinkedHashMap<TraceId, StoredTrace> traces = new LinkedHashMap<>();
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
        StoredTrace trace = traces.computeIfAbsent(s.traceId, StoredTrace::new);
        if (trace.add(s)) {
          operations.computeIfAbsent(s.service, k -> new HashMap<>())
              .merge(operationOf(s.span), 1, Integer::sum);
        }
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
      StoredTrace trace = traces.get(traceId);
      if (trace == null) {
        return Optional.empty();
      }
      copy = List.copyOf(trace.spans);
    } finally {
      lock.readLock().unlock();
    }
    return Optional.of(toTraces(copy));
  }

  @Override
  public Optional<LimitedTrace> trace(TraceId traceId, int maxSpans) {
    if (maxSpans <= 0) {
      throw new IllegalArgumentException("maxSpans: " + maxSpans + " (expected: > 0)");
    }
    return trace(traceId).map(t -> LimitedTrace.truncate(t, maxSpans));
  }

  @Override
  public Optional<TraceSummary> summary(TraceId traceId) {
    requireNonNull(traceId, "traceId");
    lock.readLock().lock();
    try {
      checkOpen();
      StoredTrace trace = traces.get(traceId);
      return trace == null ? Optional.empty() : Optional.of(trace.summary());
    } finally {
      lock.readLock().unlock();
    }
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

  @Override
  public SearchResult search(TraceQuery query) {
    requireNonNull(query, "query");
    RegexBudget budget = RegexBudget.startingNow(query.regexBudget());
    Cursor cursor = query.cursor();
    List<TraceSummary> matches = new ArrayList<>();
    lock.readLock().lock();
    try {
      checkOpen();
      for (StoredTrace trace : traces.values()) {
        TraceSummary summary = trace.summary();
        if (query.inRange(summary) && (cursor == null || cursor.precedes(summary))
            && (query.condition() == null || matches(query.condition(), trace, summary, budget))) {
          matches.add(summary);
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    matches.sort(query.order().comparator());
    if (matches.size() <= query.limit()) {
      return new SearchResult(matches, null);
    }
    List<TraceSummary> page = matches.subList(0, query.limit());
    return new SearchResult(page, Cursor.after(query.order(), page.get(page.size() - 1)));
  }

  @Override
  public List<DependencyLink> dependencies(long startMinNanos, long startMaxNanos) {
    // (parent, child) -> {calls, errors}
    Map<List<String>, long[]> calls = new TreeMap<>(Comparator.comparing((List<String> l) -> l.get(0))
        .thenComparing(l -> l.get(1)));
    lock.readLock().lock();
    try {
      checkOpen();
      for (StoredTrace trace : traces.values()) {
        Map<ByteString, Set<String>> servicesBySpanId = new HashMap<>();
        for (StoredSpan s : trace.spans) {
          servicesBySpanId.computeIfAbsent(s.span.getSpanId(), k -> new HashSet<>()).add(s.service);
        }
        for (StoredSpan child : trace.spans) {
          long start = child.span.getStartTimeUnixNano();
          if (start < startMinNanos || start > startMaxNanos || child.span.getParentSpanId().isEmpty()) {
            continue;
          }
          for (String parent : servicesBySpanId.getOrDefault(child.span.getParentSpanId(), Set.of())) {
            if (!parent.equals(child.service)) {
              long[] n = calls.computeIfAbsent(List.of(parent, child.service), k -> new long[2]);
              n[0]++;
              if (isError(child.span)) {
                n[1]++;
              }
            }
          }
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    List<DependencyLink> out = new ArrayList<>(calls.size());
    calls.forEach((k, n) -> out.add(new DependencyLink(k.get(0), k.get(1), n[0], n[1])));
    return List.copyOf(out);
  }

  @Override
  public List<String> tagNames(TagQuery query) {
    requireNonNull(query, "query");
    TreeSet<String> names = new TreeSet<>();
    forEachSelectedSpan(query, (s, attributes) -> {
      for (KeyValue kv : attributes) {
        names.add(kv.getKey());
      }
    });
    return List.copyOf(names).subList(0, Math.min(names.size(), query.limit()));
  }

  @Override
  public List<TagValue> tagValues(TagQuery query, String key) {
    requireNonNull(query, "query");
    requireNonNull(key, "key");
    TreeSet<TagValue> values = new TreeSet<>(TAG_VALUE_ORDER);
    forEachSelectedSpan(query, (s, attributes) -> {
      for (KeyValue kv : attributes) {
        String type = AttributeValues.typeName(kv.getValue());
        if (type != null && kv.getKey().equals(key)) {
          values.add(new TagValue(type, AttributeValues.text(kv.getValue())));
        }
      }
    });
    return List.copyOf(values).subList(0, Math.min(values.size(), query.limit()));
  }

  @Override
  public List<RedPoint> red(RedQuery query) {
    requireNonNull(query, "query");
    Map<RedGroup, Durations> groups = new HashMap<>();
    forEachHeldSpan(s -> {
      if (!inPopulation(s, query.startNanos(), query.endNanos(), query.service(), query.operation())
          || (query.spanKind() != null && query.spanKind() != s.span.getKind())) {
        return;
      }
      long bucket = (s.span.getStartTimeUnixNano() - query.startNanos()) / query.stepNanos();
      groups.computeIfAbsent(new RedGroup(s.service, query.byOperation() ? s.span.getName() : null,
          query.startNanos() + bucket * query.stepNanos()), k -> new Durations())
          .add(durationOf(s.span), isError(s.span));
    });
    List<RedPoint> out = new ArrayList<>(groups.size());
    groups.forEach((g, d) -> {
      long[] sorted = d.sorted();
      out.add(new RedPoint(g.service(), g.operation(), g.bucketStartNanos(), sorted.length, d.errors,
          nearestRank(sorted, 50), nearestRank(sorted, 95), nearestRank(sorted, 99),
          sorted[sorted.length - 1], d.sum));
    });
    out.sort(RED_ORDER);
    return List.copyOf(out);
  }

  @Override
  public List<Baseline> baselines(Collection<OperationKey> operations, long startNanos, long endNanos,
      @Nullable TraceId excluding) {
    requireNonNull(operations, "operations");
    Map<OperationKey, Durations> wanted = new LinkedHashMap<>();
    for (OperationKey op : operations) {
      wanted.put(requireNonNull(op, "operation"), new Durations());
    }
    forEachHeldSpan(s -> {
      if (inPopulation(s, startNanos, endNanos, null, null)
          && !s.traceId.equals(excluding)) {
        Durations d = wanted.get(new OperationKey(s.service, s.span.getName()));
        if (d != null) {
          d.add(durationOf(s.span), false);
        }
      }
    });
    List<Baseline> out = new ArrayList<>();
    wanted.forEach((op, d) -> {
      if (d.count > 0) {
        long[] sorted = d.sorted();
        long[] percentiles = new long[101];
        for (int k = 0; k <= 100; k++) {
          percentiles[k] = nearestRank(sorted, k);
        }
        out.add(new Baseline(op, sorted.length, percentiles));
      }
    });
    return List.copyOf(out);
  }

  @Override
  public CompareResult compare(CompareQuery query) {
    requireNonNull(query, "query");
    // {selected spans, other spans}
    long[] spans = new long[2];
    // (scope, key, value) -> {selected spans with it, other spans with it}
    Map<AttributeValue, long[]> counts = new HashMap<>();
    Set<AttributeValue> carried = new HashSet<>();
    forEachHeldSpan(s -> {
      if (!inPopulation(s, query.startNanos(), query.endNanos(), query.service(), query.operation())) {
        return;
      }
      int side = query.selection().test(durationOf(s.span), s.span.getStartTimeUnixNano(), isError(s.span)) ? 0 : 1;
      spans[side]++;
      carried.clear();
      addValues(carried, "span", s.span.getAttributesList());
      addValues(carried, "resource", s.resource.getResource().getAttributesList());
      for (AttributeValue v : carried) {
        counts.computeIfAbsent(v, k -> new long[2])[side]++;
      }
    });
    List<CompareResult.AttributeShare> shares = new ArrayList<>(counts.size());
    for (Map.Entry<AttributeValue, long[]> e : counts.entrySet()) {
      AttributeValue v = e.getKey();
      shares.add(new CompareResult.AttributeShare(v.scope(), v.key(), v.value(), e.getValue()[0],
          e.getValue()[1], spans[0], spans[1]));
    }
    shares.sort(SHARE_ORDER);
    return new CompareResult(spans[0], spans[1], shares.subList(0, Math.min(shares.size(), query.limit())));
  }

  /** Calls {@code visitor} with every held span, under the read lock. */
  private void forEachHeldSpan(Consumer<StoredSpan> visitor) {
    lock.readLock().lock();
    try {
      checkOpen();
      for (StoredTrace trace : traces.values()) {
        trace.spans.forEach(visitor);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Whether {@code s} started in [{@code startNanos}, {@code endNanos}) and has the service and name, when set. */
  private static boolean inPopulation(StoredSpan s, long startNanos, long endNanos, @Nullable String service,
      @Nullable String operation) {
    long start = s.span.getStartTimeUnixNano();
    return start >= startNanos && start < endNanos && (service == null || service.equals(s.service))
        && (operation == null || operation.equals(s.span.getName()));
  }

  /** Adds the values of the compared types among {@code attributes}, once each. */
  private static void addValues(Set<AttributeValue> out, String scope, List<KeyValue> attributes) {
    for (KeyValue kv : attributes) {
      if (AttributeValues.typeName(kv.getValue()) != null) {
        out.add(new AttributeValue(scope, kv.getKey(), AttributeValues.text(kv.getValue())));
      }
    }
  }

  /**
   * The {@code percent}-th percentile of {@code sorted} by nearest rank: the value at index
   * ceil(percent / 100 * n) - 1, or the first value for 0.
   */
  private static long nearestRank(long[] sorted, int percent) {
    long rank = (percent * (long) sorted.length + 99) / 100;
    return sorted[(int) Math.max(0, rank - 1)];
  }

  private static long durationOf(Span span) {
    return span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
  }

  private static boolean isError(Span span) {
    return span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
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

  private void forEachSelectedSpan(TagQuery query, AttributeVisitor visitor) {
    RegexBudget budget = RegexBudget.startingNow(query.regexBudget());
    lock.readLock().lock();
    try {
      checkOpen();
      for (StoredTrace trace : traces.values()) {
        TraceSummary summary = trace.summary();
        for (StoredSpan s : trace.spans) {
          long start = s.span.getStartTimeUnixNano();
          if (start < query.startMinNanos() || start > query.startMaxNanos()
              || !SpanMatcher.matches(query.where(), s.resource.getResource(), s.span, summary, budget)) {
            continue;
          }
          if (query.scope() != TagScope.RESOURCE) {
            visitor.visit(s, s.span.getAttributesList());
          }
          if (query.scope() != TagScope.SPAN) {
            visitor.visit(s, s.resource.getResource().getAttributesList());
          }
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private static boolean matches(TraceCondition condition, StoredTrace trace, TraceSummary summary,
      RegexBudget budget) {
    if (condition instanceof TraceCondition.AllOf) {
      for (TraceCondition c : ((TraceCondition.AllOf) condition).conditions()) {
        if (!matches(c, trace, summary, budget)) {
          return false;
        }
      }
      return true;
    }
    if (condition instanceof TraceCondition.AnyOf) {
      for (TraceCondition c : ((TraceCondition.AnyOf) condition).conditions()) {
        if (matches(c, trace, summary, budget)) {
          return true;
        }
      }
      return false;
    }
    SpanCondition span = ((TraceCondition.HasSpan) condition).condition();
    for (StoredSpan s : trace.spans) {
      if (SpanMatcher.matches(span, s.resource.getResource(), s.span, summary, budget)) {
        return true;
      }
    }
    return false;
  }

  private void evict() {
    Iterator<Map.Entry<TraceId, StoredTrace>> it = traces.entrySet().iterator();
    while (traces.size() > maxTraces && it.hasNext()) {
      for (StoredSpan s : it.next().getValue().spans) {
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

  private static Traces toTraces(List<StoredSpan> spans) {
    Traces.Builder b = Traces.builder();
    for (StoredSpan s : spans) {
      b.add(s.resource, s.scope, s.span);
    }
    return b.build();
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

  @FunctionalInterface
  private interface AttributeVisitor {
    void visit(StoredSpan span, List<KeyValue> attributes);
  }

  /** One group and bucket of a {@link RedQuery}. */
  private record RedGroup(String service, @Nullable String operation, long bucketStartNanos) {}

  /** An attribute value as {@link #compare} counts it. */
  private record AttributeValue(String scope, String key, String value) {}

  /** The durations of a group of spans, with their sum and how many were errors. */
  private static final class Durations {
    long[] values = new long[16];
    int count;
    long errors;
    long sum;

    void add(long duration, boolean error) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = duration;
      sum += duration;
      if (error) {
        errors++;
      }
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(values, count);
      Arrays.sort(out);
      return out;
    }
  }

  /** The distinct spans of one trace and their summary, built as they arrive. */
  private static final class StoredTrace {
    final Set<StoredSpan> spans = new LinkedHashSet<>();
    final TraceSummaryBuilder summary;
    @Nullable TraceSummary built;

    StoredTrace(TraceId id) {
      this.summary = new TraceSummaryBuilder(id);
    }

    /** Adds {@code s} unless an identical span is held; returns whether it was added. */
    boolean add(StoredSpan s) {
      if (!spans.add(s)) {
        return false;
      }
      summary.add(s.service, s.span);
      built = null;
      return true;
    }

    TraceSummary summary() {
      TraceSummary s = built;
      if (s == null) {
        s = summary.build();
        built = s;
      }
      return s;
    }
  }

  /** A span with its headers; equal when span and headers are equal, which makes writes idempotent. */
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

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof StoredSpan)) {
        return false;
      }
      StoredSpan s = (StoredSpan) o;
      return span.equals(s.span) && resource.equals(s.resource) && scope.equals(s.scope);
    }

    @Override
    public int hashCode() {
      return span.hashCode() * 31 + resource.hashCode();
    }
  }
}
