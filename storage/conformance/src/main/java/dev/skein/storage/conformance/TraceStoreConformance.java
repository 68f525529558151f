package dev.skein.storage.conformance;

import static dev.skein.storage.conformance.TraceAssertions.assertSameSpans;
import static dev.skein.storage.conformance.TraceAssertions.spansOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.RegexBudgetExceededException;
import dev.skein.storage.search.Regexes;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link TraceStore} shares. A backend's test extends this class and says how
 * to open the store and which capabilities it declares; every test here then runs against it:
 *
 * <pre>{@code
 * class MemoryTraceStoreTest extends TraceStoreConformance {
 *   protected TraceStore open(Path dir) { return MemoryTraceStore.create(); }
 *   protected Capabilities expectedCapabilities() { return Capabilities.of(Capability.TRACE_BY_ID); }
 * }
 * }</pre>
 *
 * <p>The contract checked here, beyond the SPI's Javadoc: reads return exactly the spans written,
 * every field and unknown field included, under their resource and scope headers, each header
 * once; spans of one trace written in several batches come back together; a batch containing a
 * span whose trace ID is invalid fails whole with a non-retryable {@link StorageException}; a
 * write after close fails with a non-retryable one; close completes every write accepted before
 * it; {@code operations} rejects a span kind that is not Jaeger's with an
 * {@link IllegalArgumentException}, and the empty kind selects spans of unspecified kind; spans
 * without {@code service.name} belong to {@code unknown_service}. A backend declaring
 * {@link Capability#DURABLE} must keep everything across close and reopen of the same directory.
 *
 * <p>Search, dependencies and tags are checked against data files: the traces of
 * {@link SearchFixtures} and the queries with their answers in {@code search-queries.json} (one
 * dynamic test per query). A backend without {@link Capability#SEARCH}, {@link Capability#DEPENDENCIES}
 * or {@link Capability#TAGS} must refuse those calls with {@link UnsupportedOperationException}.
 * Rate, errors and duration, baselines and comparisons are checked on the spans of
 * {@code AnalyticsFixtures}, with percentiles by nearest rank; a backend without
 * {@link Capability#ANALYTICS} must refuse them the same way.
 * Writes are idempotent: writing the same spans again changes no answer. A backend declaring
 * {@link Capability#RETENTION} overrides {@link #openWithRetention} and must forget expired traces
 * everywhere: by ID, in search, services, operations, dependencies and tags.
 *
 * <p>Each test gets a fresh empty directory and a store opened on it, closed afterwards. Waits
 * are bounded so a broken backend fails instead of hanging; nothing here measures time.
 */
public abstract class TraceStoreConformance {
  /** The longest a test waits for one write or one batch of concurrent writes. */
  protected static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  protected Path dir;

  /** The store under test, opened on {@link #dir} before each test. */
  protected TraceStore store;

  /**
   * Opens a store whose data lives in {@code dir}. A durable backend keeps its files there, so
   * opening the same directory again after {@link TraceStore#close()} sees the same data.
   */
  protected abstract TraceStore open(Path dir) throws Exception;

  /** The capabilities the backend must declare, exactly. */
  protected abstract Capabilities expectedCapabilities();

  /**
   * Opens a store in {@code dir} that deletes traces whose first span started more than
   * {@code retention} ago, checking every {@code checkInterval}. Backends declaring
   * {@link Capability#RETENTION} must override this; the default fails the test.
   */
  protected TraceStore openWithRetention(Path dir, Duration retention, Duration checkInterval)
      throws Exception {
    return fail("a backend declaring RETENTION must override openWithRetention");
  }

  @BeforeEach
  void openStore() throws Exception {
    store = open(dir);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Writes {@code traces} and waits, boundedly, until the store acknowledged them. */
  protected final void write(Traces traces) {
    await(store.write(traces));
  }

  /** Waits, boundedly, for a write to complete and rethrows its failure. */
  protected static void await(CompletableFuture<Void> write) {
    try {
      write.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a write", e);
    } catch (ExecutionException e) {
      throw new AssertionError("write failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("write not acknowledged within " + TIMEOUT, e);
    }
  }

  /** Returns the time the fixtures start at: a minute ago, well inside any retention. */
  protected static long recently() {
    return Fixtures.nowNanos() - Duration.ofMinutes(1).toNanos();
  }

  @Test
  void declaresItsCapabilities() {
    assertThat(store.capabilities()).isEqualTo(expectedCapabilities());
    assertThat(store.capabilities().supports(Capability.TRACE_BY_ID))
        .as("every backend answers trace by ID, services and operations").isTrue();
  }

  @Test
  void readsBackEveryFieldOfAWrittenTrace() {
    TraceId id = Fixtures.traceId(1);
    Traces written = Fixtures.fullTrace(id, recently());

    write(written);

    Optional<Traces> read = store.trace(id);
    assertThat(read).isPresent();
    assertThat(read.get().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
    assertSameSpans(read.get(), written);
  }

  @Test
  void keepsFieldsUnknownToThisVersionOfOtlp() {
    // A newer OTLP may add fields; they must survive storage like any other.
    UnknownFieldSet future = UnknownFieldSet.newBuilder()
        .addField(1000, UnknownFieldSet.Field.newBuilder().addVarint(42).build())
        .addField(1001, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8("from the future")).build())
        .build();
    TraceId id = Fixtures.traceId(3);
    Traces.Builder b = Traces.builder();
    Fixtures.fullTrace(id, recently()).forEachSpan((rs, ss, span) -> b.add(
        rs.toBuilder().setUnknownFields(future).build(),
        ss.toBuilder().setScope(ss.getScope().toBuilder().setUnknownFields(future)).build(),
        span.toBuilder().setUnknownFields(future).build()));
    Traces written = b.build();

    write(written);

    assertSameSpans(store.trace(id).orElseThrow(), written);
  }

  @Test
  void rejectsNullArguments() {
    assertThatThrownBy(() -> store.write(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.trace(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.operations(null, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void groupsTheReturnedSpansByResourceAndScope() {
    TraceId id = Fixtures.traceId(2);
    write(Fixtures.fullTrace(id, recently()));

    Traces read = store.trace(id).orElseThrow();

    Set<ResourceSpans> resources = new HashSet<>();
    for (ResourceSpans rs : read.resourceSpans()) {
      assertThat(resources.add(rs.toBuilder().clearScopeSpans().build()))
          .as("resource appears in one group only: %s", rs.getResource()).isTrue();
      Set<ScopeSpans> scopes = new HashSet<>();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        assertThat(scopes.add(ss.toBuilder().clearSpans().build()))
            .as("scope appears in one group of its resource only: %s", ss.getScope()).isTrue();
      }
    }
    assertThat(resources).hasSize(3);
  }

  @Test
  void returnsOnlyTheSpansOfTheRequestedTrace() {
    TraceId a = Fixtures.traceId(10);
    TraceId b = Fixtures.traceId(11);
    Traces both = interleave(Fixtures.fullTrace(a, recently()), Fixtures.fullTrace(b, recently()));

    write(both);

    assertSameSpans(store.trace(a).orElseThrow(), spansOf(both, a));
    assertSameSpans(store.trace(b).orElseThrow(), spansOf(both, b));
  }

  @Test
  void returnsSpansWrittenInSeveralBatchesTogether() {
    TraceId id = Fixtures.traceId(20);
    Traces full = Fixtures.fullTrace(id, recently());
    List<Traces> batches = new ArrayList<>();
    full.forEachSpan((rs, ss, span) -> batches.add(Traces.builder().add(rs, ss, span).build()));
    Collections.shuffle(batches, new Random(20));

    // Half the batches wait for the previous one, half go out together: both must end up merged.
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      if (i % 2 == 0) {
        write(batches.get(i));
      } else {
        pending.add(store.write(batches.get(i)));
      }
    }
    pending.forEach(TraceStoreConformance::await);

    assertSameSpans(store.trace(id).orElseThrow(), full);
  }

  @Test
  void returnsEmptyForAnUnknownTrace() {
    write(Fixtures.fullTrace(Fixtures.traceId(30), recently()));

    assertThat(store.trace(Fixtures.traceId(31))).isEmpty();
  }

  @Test
  void acceptsAnEmptyBatch() {
    write(Traces.empty());
    write(Traces.of(List.of(Fixtures.resource("idle").toBuilder()
        .addScopeSpans(Fixtures.defaultScope()).build())));

    assertThat(store.services()).doesNotContain("idle");
  }

  @Test
  void listsServicesSortedOnce() {
    assertThat(store.services()).isEmpty();

    write(Fixtures.fullTrace(Fixtures.traceId(40), recently()));
    write(Fixtures.fullTrace(Fixtures.traceId(41), recently()));
    write(Fixtures.singleSpan(Fixtures.traceId(42), "ad-service", "GET /ads",
        SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(3)));

    assertThat(store.services()).containsExactly(
        "ad-service", Fixtures.BILLING, Fixtures.CHECKOUT, Fixtures.FRONTEND);
  }

  @Test
  void listsASpanWithoutServiceNameUnderUnknownService() {
    TraceId id = Fixtures.traceId(45);
    Traces one = Fixtures.singleSpan(id, "ignored", "orphan", SpanKind.SPAN_KIND_INTERNAL,
        recently(), Duration.ofMillis(1));
    Traces.Builder b = Traces.builder();
    one.forEachSpan((rs, ss, span) -> b.add(
        rs.toBuilder().setResource(Resource.newBuilder()
            .addAttributes(Fixtures.str("host.name", "batch-1"))).build(),
        ss, span));
    Traces anonymous = b.build();

    write(anonymous);

    assertThat(store.services()).containsExactly("unknown_service");
    assertThat(store.operations("unknown_service", null))
        .containsExactly(new Operation("orphan", "internal"));
    assertSameSpans(store.trace(id).orElseThrow(), anonymous);
  }

  @Test
  void listsOperationsSortedByNameThenKind() {
    write(Fixtures.fullTrace(Fixtures.traceId(50), recently()));
    write(Fixtures.fullTrace(Fixtures.traceId(51), recently()));
    // The same name with two kinds, and a name that sorts first.
    write(Fixtures.singleSpan(Fixtures.traceId(52), Fixtures.CHECKOUT, "compute-total",
        SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(2)));
    write(Fixtures.singleSpan(Fixtures.traceId(53), Fixtures.CHECKOUT, "GET /health",
        SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(1)));

    assertThat(store.operations(Fixtures.CHECKOUT, null)).containsExactly(
        new Operation("GET /health", "server"),
        new Operation("INSERT shop.orders", "client"),
        new Operation("POST /checkout", "server"),
        new Operation("SELECT shop.orders", "client"),
        new Operation("compute-total", "internal"),
        new Operation("compute-total", "server"),
        new Operation("order.created publish", "producer"));
    assertThat(store.operations(Fixtures.FRONTEND, null)).containsExactly(
        new Operation("GET /api/checkout", "server"),
        new Operation("POST", "client"));
    assertThat(store.operations(Fixtures.BILLING, null)).containsExactly(
        new Operation("legacy-hook", ""),
        new Operation("order.created process", "consumer"));
  }

  @Test
  void filtersOperationsBySpanKind() {
    write(Fixtures.fullTrace(Fixtures.traceId(60), recently()));

    assertThat(store.operations(Fixtures.CHECKOUT, "client")).containsExactly(
        new Operation("INSERT shop.orders", "client"),
        new Operation("SELECT shop.orders", "client"));
    assertThat(store.operations(Fixtures.CHECKOUT, "server"))
        .containsExactly(new Operation("POST /checkout", "server"));
    assertThat(store.operations(Fixtures.CHECKOUT, "internal"))
        .containsExactly(new Operation("compute-total", "internal"));
    assertThat(store.operations(Fixtures.CHECKOUT, "producer"))
        .containsExactly(new Operation("order.created publish", "producer"));
    assertThat(store.operations(Fixtures.CHECKOUT, "consumer")).isEmpty();
    assertThat(store.operations(Fixtures.BILLING, "consumer"))
        .containsExactly(new Operation("order.created process", "consumer"));
    assertThat(store.operations(Fixtures.BILLING, ""))
        .as("the empty kind selects spans of unspecified kind")
        .containsExactly(new Operation("legacy-hook", ""));
  }

  @Test
  void rejectsAnUnknownSpanKindFilter() {
    assertThatThrownBy(() -> store.operations(Fixtures.CHECKOUT, "SERVER"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SERVER")
        .hasMessageContaining("expected");
  }

  @Test
  void listsNoOperationsForAServiceWithoutSpans() {
    write(Fixtures.fullTrace(Fixtures.traceId(70), recently()));

    assertThat(store.operations("no-such-service", null)).isEmpty();
    assertThat(store.operations("no-such-service", "server")).isEmpty();
  }

  @Test
  void storesEverySpanOfManyConcurrentWriters() throws Exception {
    int writers = 8;
    int writesEach = 25;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<TraceId>>> results = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        results.add(pool.submit(() -> {
          start.await();
          List<TraceId> ids = new ArrayList<>();
          List<CompletableFuture<Void>> acks = new ArrayList<>();
          for (int i = 0; i < writesEach; i++) {
            TraceId id = Fixtures.traceId(1_000 + writer * writesEach + i);
            ids.add(id);
            Traces t = i % 5 == 0
                ? Fixtures.fullTrace(id, recently())
                : Fixtures.singleSpan(id, "writer-" + writer, "op-" + (i % 3),
                    SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(i));
            acks.add(store.write(t));
          }
          acks.forEach(TraceStoreConformance::await);
          return ids;
        }));
      }
      start.countDown();
      List<TraceId> all = new ArrayList<>();
      for (Future<List<TraceId>> r : results) {
        all.addAll(r.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      }

      assertThat(all).hasSize(writers * writesEach).doesNotHaveDuplicates();
      for (int w = 0; w < writers; w++) {
        for (int i = 0; i < writesEach; i++) {
          TraceId id = all.get(w * writesEach + i);
          assertThat(store.trace(id)).as("trace %s of writer %s", id, w).isPresent();
          assertThat(store.trace(id).orElseThrow().spanCount())
              .isEqualTo(i % 5 == 0 ? Fixtures.FULL_TRACE_SPANS : 1);
        }
        assertThat(store.operations("writer-" + w, "server")).containsExactly(
            new Operation("op-0", "server"), new Operation("op-1", "server"),
            new Operation("op-2", "server"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readsConcurrentlyWithWrites() throws Exception {
    TraceId stable = Fixtures.traceId(80);
    Traces expected = Fixtures.fullTrace(stable, recently());
    write(expected);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(pool.submit(() -> {
          for (int i = 0; i < 30; i++) {
            assertSameSpans(store.trace(stable).orElseThrow(), expected);
            assertThat(store.services()).contains(Fixtures.FRONTEND);
          }
          return null;
        }));
      }
      for (int i = 0; i < 30; i++) {
        write(Fixtures.fullTrace(Fixtures.traceId(81 + i), recently()));
      }
      for (Future<?> r : readers) {
        r.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readsBackALargeTrace() {
    TraceId id = Fixtures.traceId(90);
    long start = recently();
    Traces.Builder b = Traces.builder();
    for (int i = 0; i < 2_000; i++) {
      Span span = Fixtures.span(id, Fixtures.spanId(id, i), i == 0 ? null : Fixtures.spanId(id, i / 10),
          "step-" + (i % 50), SpanKind.SPAN_KIND_INTERNAL, start + i, start + i + 1_000)
          .build();
      b.add(Fixtures.resource("batch-" + (i % 4)), Fixtures.defaultScope(), span);
    }
    Traces large = b.build();

    write(large);

    assertSameSpans(store.trace(id).orElseThrow(), large);
  }

  @Test
  void keepsASpanWrittenTwiceOnce() {
    TraceId id = Fixtures.traceId(100);
    Traces trace = Fixtures.fullTrace(id, recently());

    write(trace);
    write(trace);
    // A retry may regroup the same spans differently; they are still the same spans.
    write(interleave(trace, Traces.empty()));

    Traces read = store.trace(id).orElseThrow();
    assertThat(read.spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
    assertSameSpans(read, trace);
    assertThat(store.operations(Fixtures.FRONTEND, null)).hasSize(2);
  }

  @Test
  void keepsSpansThatOnlyShareASpanIdApart() {
    // Zipkin's client and server halves of one call share a span ID; both are kept.
    TraceId id = Fixtures.traceId(101);
    long start = recently();
    Span client = Fixtures.span(id, Fixtures.spanId(1), null, "GET /stock", SpanKind.SPAN_KIND_CLIENT,
        start, start + 2_000_000).build();
    Span server = client.toBuilder().setKind(SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start + 100).build();
    Traces both = Traces.builder()
        .add(Fixtures.resource("shop"), Fixtures.defaultScope(), client)
        .add(Fixtures.resource("inventory"), Fixtures.defaultScope(), server)
        .build();

    write(both);
    write(both);

    assertSameSpans(store.trace(id).orElseThrow(), both);
  }

  @Test
  void rejectsABatchWithAnInvalidTraceIdWhole() {
    TraceId valid = Fixtures.traceId(110);
    Traces good = Fixtures.fullTrace(valid, recently());
    Span bad = Fixtures.span(valid, Fixtures.spanId(111), null, "bad", SpanKind.SPAN_KIND_SERVER,
        recently(), recently() + 1).setTraceId(ByteString.copyFrom(new byte[8])).build();
    Traces.Builder b = Traces.builder();
    good.forEachSpan(b::add);
    b.add(Fixtures.resource("bad-service"), Fixtures.defaultScope(), bad);

    CompletableFuture<Void> write = store.write(b.build());

    Throwable failure = failureOf(write);
    assertThat(failure).isInstanceOf(StorageException.class).hasMessageContaining("trace");
    assertThat(((StorageException) failure).retryable()).isFalse();
    assertThat(store.trace(valid)).as("nothing of a rejected batch is stored").isEmpty();
    assertThat(store.services()).doesNotContain("bad-service", Fixtures.FRONTEND);
  }

  @Test
  void failsAWriteAfterClose() {
    store.close();

    CompletableFuture<Void> write = store.write(Fixtures.fullTrace(Fixtures.traceId(120), recently()));

    Throwable failure = failureOf(write);
    assertThat(failure).isInstanceOf(StorageException.class);
    assertThat(((StorageException) failure).retryable()).isFalse();
  }

  @Test
  void closesIdempotentlyAfterFinishingWritesInFlight() {
    List<CompletableFuture<Void>> inFlight = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      inFlight.add(store.write(Fixtures.fullTrace(Fixtures.traceId(130 + i), recently())));
    }

    store.close();
    store.close();

    for (CompletableFuture<Void> write : inFlight) {
      assertThat(write).as("a write accepted before close completes before close returns")
          .isCompleted();
    }
  }

  @Test
  void keepsDataAcrossReopenWhenDurable() throws Exception {
    if (!expectedCapabilities().supports(Capability.DURABLE)) {
      assertThat(store.capabilities().supports(Capability.DURABLE))
          .as("a backend whose test does not expect durability must not claim it").isFalse();
      return;
    }
    assertThat(store.capabilities().supports(Capability.DURABLE)).isTrue();
    TraceId id = Fixtures.traceId(200);
    Traces written = Fixtures.fullTrace(id, recently());
    write(written);
    store.close();

    store = open(dir);

    assertSameSpans(store.trace(id).orElseThrow(), written);
    assertThat(store.services()).containsExactly(Fixtures.BILLING, Fixtures.CHECKOUT, Fixtures.FRONTEND);
    assertThat(store.operations(Fixtures.FRONTEND, null)).containsExactly(
        new Operation("GET /api/checkout", "server"), new Operation("POST", "client"));

    // The reopened store takes writes, including spans of a trace that was already there.
    TraceId more = Fixtures.traceId(201);
    write(Fixtures.fullTrace(more, recently()));
    write(written);
    assertThat(store.trace(more)).isPresent();
    store.close();

    store = open(dir);
    assertThat(store.trace(more)).isPresent();
    assertThat(store.trace(id)).isPresent();
  }

  @Test
  void capsTheSpansOfALargeTrace() {
    TraceId id = Fixtures.traceId(95);
    long start = recently();
    Traces.Builder b = Traces.builder();
    for (int i = 0; i < 500; i++) {
      // Written latest first, so the cap must sort rather than keep the first written.
      int n = 499 - i;
      b.add(Fixtures.resource("batch-" + (n % 3)), Fixtures.defaultScope(),
          Fixtures.span(id, Fixtures.spanId(id, n), n == 0 ? null : Fixtures.spanId(id, 0),
              "step-" + n, SpanKind.SPAN_KIND_INTERNAL, start + n * 1_000L, start + n * 1_000L + 10).build());
    }
    write(b.build());

    LimitedTrace capped = store.trace(id, 100).orElseThrow();
    assertThat(capped.truncated()).isTrue();
    assertThat(capped.totalSpans()).isEqualTo(500);
    assertThat(capped.spans().spanCount()).isEqualTo(100);
    Set<String> names = new HashSet<>();
    capped.spans().forEachSpan((rs, ss, span) -> names.add(span.getName()));
    for (int n = 0; n < 100; n++) {
      assertThat(names).as("the earliest spans are kept").contains("step-" + n);
    }

    LimitedTrace whole = store.trace(id, 500).orElseThrow();
    assertThat(whole.truncated()).isFalse();
    assertSameSpans(whole.spans(), store.trace(id).orElseThrow());
    assertThat(store.trace(Fixtures.traceId(96), 10)).isEmpty();
    assertThatThrownBy(() -> store.trace(id, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSpans: 0");
  }

  @Test
  void readsSeveralTracesAtOnceAsEachAlone() {
    long start = recently();
    // More traces than one statement of a backend may read, so reading in parts is covered too.
    List<TraceId> small = new ArrayList<>();
    Traces.Builder all = Traces.builder();
    for (int n = 0; n < 45; n++) {
      TraceId id = Fixtures.traceId(200 + n);
      small.add(id);
      Fixtures.fullTrace(id, start + n).forEachSpan(all::add);
    }
    TraceId big = Fixtures.traceId(99);
    for (int n = 0; n < 30; n++) {
      all.add(Fixtures.resource("batch-" + (n % 2)), Fixtures.defaultScope(),
          Fixtures.span(big, Fixtures.spanId(big, n), n == 0 ? null : Fixtures.spanId(big, 0),
              "step-" + n, SpanKind.SPAN_KIND_INTERNAL, start + n * 1_000L, start + n * 1_000L + 10).build());
    }
    write(all.build());
    List<TraceId> asked = new ArrayList<>();
    asked.add(small.get(3));
    asked.add(Fixtures.traceId(100));
    asked.add(big);
    asked.addAll(small);
    List<TraceId> expected = new ArrayList<>();
    expected.add(small.get(3));
    expected.add(big);
    small.stream().filter(id -> !id.equals(small.get(3))).forEach(expected::add);

    Map<TraceId, LimitedTrace> read = store.traces(asked, 10);

    assertThat(read.keySet()).as("in the order asked for, unknown and repeated IDs left out")
        .containsExactlyElementsOf(expected);
    for (TraceId id : expected) {
      LimitedTrace alone = store.trace(id, 10).orElseThrow();
      assertThat(read.get(id).totalSpans()).as("total spans of %s", id).isEqualTo(alone.totalSpans());
      assertSameSpans(read.get(id).spans(), alone.spans());
    }
    assertThat(read.get(big).truncated()).isTrue();
    assertThat(read.get(big).totalSpans()).isEqualTo(30);
    assertThat(store.traces(List.of(), 10)).isEmpty();
    assertThatThrownBy(() -> store.traces(List.of(big), 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSpans: 0");
  }

  @TestFactory
  Stream<DynamicTest> answersEverySearchQueryOfTheQueriesFile() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return Stream.of(dynamicTest("search is refused without SEARCH", () ->
          assertThatThrownBy(() -> store.search(TraceQuery.builder().build()))
              .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("SEARCH")));
    }
    QueryFile f = writeSearchFixtures();
    return f.queries.stream().map(c -> dynamicTest(c.name(), () ->
        assertThat(names(f, searchAllPages(c.question())))
            .as("%s: %s", c.name(), c.question())
            .containsExactlyElementsOf(names(f, c.expected()))));
  }

  @TestFactory
  Stream<DynamicTest> summarizesEveryTraceAsTheQueriesFileSays() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return Stream.empty();
    }
    QueryFile f = writeSearchFixtures();
    Map<TraceId, TraceSummary> searched = new HashMap<>();
    for (TraceSummary s : searchAllPages(TraceQuery.builder().limit(100).build())) {
      searched.put(s.traceId(), s);
    }
    return f.summaries.entrySet().stream().map(e -> dynamicTest(e.getKey(), () -> {
      assertThat(searched.get(e.getValue().traceId())).as("in search results").isEqualTo(e.getValue());
      assertThat(store.summary(e.getValue().traceId())).as("by ID").contains(e.getValue());
    }));
  }

  @TestFactory
  Stream<DynamicTest> derivesDependenciesAsTheQueriesFileSays() {
    if (!store.capabilities().supports(Capability.DEPENDENCIES)) {
      return Stream.of(dynamicTest("dependencies are refused without DEPENDENCIES", () ->
          assertThatThrownBy(() -> store.dependencies(0, Long.MAX_VALUE))
              .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("DEPENDENCIES")));
    }
    QueryFile f = writeSearchFixtures();
    return f.dependencies.stream().map(c -> dynamicTest(c.name(), () ->
        assertThat(store.dependencies(c.question()[0], c.question()[1]))
            .containsExactlyElementsOf(c.expected())));
  }

  @TestFactory
  Stream<DynamicTest> listsTagNamesAndValuesAsTheQueriesFileSays() {
    if (!store.capabilities().supports(Capability.TAGS)) {
      return Stream.of(dynamicTest("tags are refused without TAGS", () -> {
        assertThatThrownBy(() -> store.tagNames(TagQuery.builder(TagScope.SPAN).build()))
            .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("TAGS");
        assertThatThrownBy(() -> store.tagValues(TagQuery.builder(TagScope.SPAN).build(), "k"))
            .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("TAGS");
      }));
    }
    QueryFile f = writeSearchFixtures();
    Stream<DynamicTest> names = f.tagNames.stream().map(c -> dynamicTest("names: " + c.name(), () ->
        assertThat(store.tagNames(c.question())).containsExactlyElementsOf(c.expected())));
    List<DynamicTest> values = new ArrayList<>();
    for (int i = 0; i < f.tagValues.size(); i++) {
      QueryFile.Case<TagQuery, List<TagValue>> c = f.tagValues.get(i);
      String key = f.tagValueKeys.get(i);
      values.add(dynamicTest("values: " + c.name(), () ->
          assertThat(store.tagValues(c.question(), key)).containsExactlyElementsOf(c.expected())));
    }
    return Stream.concat(names, values.stream());
  }

  @Test
  void answersTheSameAfterEverythingIsWrittenAgain() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    QueryFile f = writeSearchFixtures();
    // Again, all in one batch this time, and a third time for the first few traces.
    write(SearchFixtures.all(base));
    for (Traces t : SearchFixtures.batches(base).subList(0, 5)) {
      write(t);
    }

    for (QueryFile.Case<TraceQuery, List<TraceId>> c : f.queries) {
      assertThat(names(f, searchAllPages(c.question()))).as(c.name())
          .containsExactlyElementsOf(names(f, c.expected()));
    }
    for (Map.Entry<String, TraceSummary> e : f.summaries.entrySet()) {
      assertThat(store.summary(e.getValue().traceId())).as(e.getKey()).contains(e.getValue());
    }
    if (store.capabilities().supports(Capability.DEPENDENCIES)) {
      for (QueryFile.Case<long[], List<DependencyLink>> c : f.dependencies) {
        assertThat(store.dependencies(c.question()[0], c.question()[1])).as(c.name())
            .containsExactlyElementsOf(c.expected());
      }
    }
    assertThat(store.trace(f.traces.get("checkoutSlow")).orElseThrow().spanCount()).isEqualTo(5);
  }

  @Test
  void pagesStayStableWhileTracesAreWritten() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    QueryFile f = writeSearchFixtures();
    List<TraceId> everything = f.queries.get(0).expected();
    TraceQuery firstPage = TraceQuery.builder().limit(3).build();
    SearchResult page = store.search(firstPage);
    assertThat(ids(page.traces())).containsExactlyElementsOf(everything.subList(0, 3));

    // A trace newer than every page so far, and one older than all of them.
    TraceId newer = Fixtures.traceId(300);
    TraceId older = Fixtures.traceId(301);
    write(Fixtures.singleSpan(newer, "late", "GET /late", SpanKind.SPAN_KIND_SERVER,
        base + Duration.ofMinutes(20).toNanos(), Duration.ofMillis(1)));
    write(Fixtures.singleSpan(older, "early", "GET /early", SpanKind.SPAN_KIND_SERVER,
        base - Duration.ofMinutes(20).toNanos(), Duration.ofMillis(1)));

    List<TraceId> rest = new ArrayList<>();
    Cursor cursor = page.next();
    while (cursor != null) {
      page = store.search(firstPage.toBuilder().cursor(cursor).build());
      rest.addAll(ids(page.traces()));
      cursor = page.next();
    }
    List<TraceId> expected = new ArrayList<>(everything.subList(3, everything.size()));
    expected.add(older);
    assertThat(rest).as("no trace repeated or skipped; the newer one sorts before the cursor")
        .containsExactlyElementsOf(expected);
  }

  @Test
  void failsASearchWhoseRegularExpressionsRunPastTheirBudget() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    writeSearchFixtures();
    TraceQuery query = TraceQuery.builder()
        .span(SpanCondition.compare(Attribute.any("db.query.text"), Comparison.MATCHES, Value.string("SELECT.*")))
        .regexBudget(Duration.ofNanos(1))
        .build();

    assertThatThrownBy(() -> store.search(query)).isInstanceOf(RegexBudgetExceededException.class)
        .hasMessageContaining("budget");
    assertThat(store.search(query.toBuilder().regexBudget(Duration.ofSeconds(30)).build()).traces())
        .hasSize(1);
  }

  @Test
  void breaksTiesByTraceIdAsUnsignedBytes() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    long start = recently();
    List<TraceId> ids = new ArrayList<>();
    for (String hex : List.of("ff000000000000000000000000000001", "80000000000000000000000000000001",
        "7f000000000000000000000000000001", "00000000000000000000000000000001")) {
      TraceId id = TraceId.fromHex(hex);
      ids.add(id);
      write(Fixtures.singleSpan(id, "tie", "GET /tie", SpanKind.SPAN_KIND_SERVER, start, Duration.ofMillis(3)));
    }
    List<TraceId> ascending = new ArrayList<>(ids);
    Collections.reverse(ascending);

    for (Order order : Order.values()) {
      assertThat(ids(searchAllPages(TraceQuery.builder().order(order).limit(1).build())))
          .as("order %s", order).containsExactlyElementsOf(ascending);
    }
  }

  @Test
  void matchesTextWithQuotesAndBackslashesLiterally() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    TraceId id = Fixtures.traceId(310);
    write(Fixtures.singleSpan(id, "o'brien", "C:\\tmp\\it's done", SpanKind.SPAN_KIND_SERVER, recently(),
        Duration.ofMillis(1)));
    write(Fixtures.singleSpan(Fixtures.traceId(311), "obrien", "plain", SpanKind.SPAN_KIND_SERVER, recently(),
        Duration.ofMillis(1)));

    for (SpanCondition c : List.of(
        SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("o'brien")),
        SpanCondition.compare(Intrinsic.NAME, Comparison.MATCHES, Value.string("C:\\\\tmp\\\\it's .*")),
        SpanCondition.compare(Intrinsic.NAME, Comparison.MATCHES,
            Value.string(Regexes.quote("C:\\tmp\\it's done"))),
        SpanCondition.compare(Attribute.span("app.operation"), Comparison.MATCHES,
            Value.string(".*'s.*")))) {
      assertThat(ids(store.search(TraceQuery.builder().span(c).build()).traces())).as("%s", c)
          .containsExactly(id);
    }
  }

  @Test
  void rejectsNullSearchArguments() {
    if (!store.capabilities().supports(Capability.SEARCH)) {
      return;
    }
    assertThatThrownBy(() -> store.search(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.summary(null)).isInstanceOf(NullPointerException.class);
    assertThat(store.summary(Fixtures.traceId(999))).isEmpty();
  }

  @Test
  void forgetsExpiredTracesEverywhere() throws Exception {
    if (!expectedCapabilities().supports(Capability.RETENTION)) {
      assertThat(store.capabilities().supports(Capability.RETENTION))
          .as("a backend whose test does not expect retention must not claim it").isFalse();
      return;
    }
    store.close();
    store = openWithRetention(dir.resolve("retention"), Duration.ofHours(1), Duration.ofMillis(50));
    long twoHoursAgo = Fixtures.nowNanos() / 1_000_000_000L * 1_000_000_000L - Duration.ofHours(2).toNanos();
    for (Traces t : SearchFixtures.batches(twoHoursAgo)) {
      write(t);
    }
    TraceId fresh = Fixtures.traceId(400);
    write(Fixtures.fullTrace(fresh, recently()));
    QueryFile f = QueryFile.load(twoHoursAgo);

    awaitTrue("expired traces are deleted", () -> store.trace(f.traces.get("checkoutOk")).isEmpty()
        && store.trace(f.traces.get("checkoutCanary")).isEmpty());

    assertThat(store.trace(fresh)).isPresent();
    assertThat(store.summary(f.traces.get("search"))).isEmpty();
    assertThat(ids(searchAllPages(TraceQuery.builder().build()))).containsExactly(fresh);
    awaitTrue("services of expired traces are gone", () -> !store.services().contains("payment"));
    assertThat(store.services()).containsExactly(Fixtures.BILLING, Fixtures.CHECKOUT, Fixtures.FRONTEND);
    assertThat(store.operations("ad-service", null)).isEmpty();
    assertThat(store.dependencies(0, Long.MAX_VALUE)).containsExactly(
        new DependencyLink(Fixtures.CHECKOUT, Fixtures.BILLING, 1, 0),
        new DependencyLink(Fixtures.FRONTEND, Fixtures.CHECKOUT, 1, 1));
    assertThat(store.tagValues(TagQuery.builder(TagScope.RESOURCE).build(), "deployment.environment.name"))
        .containsExactly(new TagValue("string", "production"));
  }

  @Test
  void computesRateErrorsAndDurationPerServiceAndBucket() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.red(t0));
    long b1 = t0 + AnalyticsFixtures.STEP.toNanos();

    assertThat(store.red(redQuery(null, null, null, false, t0, AnalyticsFixtures.STEP))).containsExactly(
        // 1..100 ms and five times 3 ms: sorted, index 52 is 48 ms, 99 is 95 ms, 103 is 99 ms.
        new RedPoint(AnalyticsFixtures.CHECKOUT, null, t0, 105, 11, ms(48), ms(95), ms(99), ms(100), ms(5065)),
        new RedPoint(AnalyticsFixtures.CHECKOUT, null, b1, 20, 0, ms(100), ms(190), ms(200), ms(200), ms(2100)),
        new RedPoint(AnalyticsFixtures.FRONTEND, null, b1, 3, 0, ms(8), ms(9), ms(9), ms(9), ms(24)));
  }

  @Test
  void computesRateErrorsAndDurationPerOperation() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.red(t0));
    long b1 = t0 + AnalyticsFixtures.STEP.toNanos();

    assertThat(store.red(redQuery(null, null, null, true, t0, AnalyticsFixtures.STEP))).containsExactly(
        new RedPoint(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.PAY, t0, 100, 10, ms(50), ms(95), ms(99),
            ms(100), ms(5050)),
        new RedPoint(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.PAY, b1, 20, 0, ms(100), ms(190), ms(200),
            ms(200), ms(2100)),
        new RedPoint(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.SELECT, t0, 5, 1, ms(3), ms(3), ms(3), ms(3),
            ms(15)),
        new RedPoint(AnalyticsFixtures.FRONTEND, AnalyticsFixtures.HOME, b1, 3, 0, ms(8), ms(9), ms(9), ms(9),
            ms(24)));
    assertThat(store.red(redQuery(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.SELECT, null, true, t0,
        AnalyticsFixtures.WINDOW))).containsExactly(
        new RedPoint(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.SELECT, t0, 5, 1, ms(3), ms(3), ms(3), ms(3),
            ms(15)));
  }

  @Test
  void filtersRateErrorsAndDurationByServiceAndSpanKind() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.red(t0));

    assertThat(store.red(redQuery(null, null, SpanKind.SPAN_KIND_CLIENT, false, t0, AnalyticsFixtures.STEP)))
        .containsExactly(new RedPoint(AnalyticsFixtures.CHECKOUT, null, t0, 5, 1, ms(3), ms(3), ms(3), ms(3), ms(15)));
    assertThat(store.red(redQuery(AnalyticsFixtures.FRONTEND, null, null, false, t0, AnalyticsFixtures.WINDOW)))
        .containsExactly(new RedPoint(AnalyticsFixtures.FRONTEND, null, t0, 3, 0, ms(8), ms(9), ms(9), ms(9), ms(24)));
    assertThat(store.red(redQuery(null, null, SpanKind.SPAN_KIND_PRODUCER, false, t0, AnalyticsFixtures.STEP)))
        .isEmpty();
  }

  @Test
  void countsSpansInAHalfOpenWindowOnce() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.red(t0));
    // Written again: every span is stored, and counted, once.
    write(AnalyticsFixtures.red(t0));
    long end = t0 + AnalyticsFixtures.WINDOW.toNanos();

    // The span starting exactly at the end is outside [t0, end); the one 1 ns before t0 too.
    assertThat(store.red(new RedQuery(AnalyticsFixtures.CHECKOUT, null, null, false, t0, end, end - t0)))
        .containsExactly(new RedPoint(AnalyticsFixtures.CHECKOUT, null, t0, 125, 11, ms(53), ms(140), ms(190),
            ms(200), ms(7165)));
    assertThat(store.red(new RedQuery(AnalyticsFixtures.CHECKOUT, null, null, false, t0 - 1, end + 1, end - t0 + 2)))
        .extracting(RedPoint::bucketStartNanos, RedPoint::calls, RedPoint::errors, RedPoint::maxNanos)
        .containsExactly(tuple(t0 - 1, 127L, 13L, ms(1000)));
  }

  @Test
  void returnsBaselinesInTheOrderAsked() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.red(t0));
    long end = t0 + AnalyticsFixtures.WINDOW.toNanos();
    OperationKey select = new OperationKey(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.SELECT);
    OperationKey pay = new OperationKey(AnalyticsFixtures.CHECKOUT, AnalyticsFixtures.PAY);
    OperationKey home = new OperationKey(AnalyticsFixtures.FRONTEND, AnalyticsFixtures.HOME);
    OperationKey missing = new OperationKey(AnalyticsFixtures.CHECKOUT, "GET /missing");

    List<Baseline> baselines = store.baselines(List.of(select, missing, pay, home), t0, end, null);

    assertThat(baselines).extracting(Baseline::operation).containsExactly(select, pay, home);
    assertThat(baselines).extracting(Baseline::count).containsExactly(5L, 120L, 3L);
    long[] three = new long[101];
    Arrays.fill(three, ms(3));
    assertThat(baselines.get(0).percentiles()).containsExactly(three);
    // 1..100 ms and 10, 20, ... 200 ms: 120 durations.
    long[] p = baselines.get(1).percentiles();
    assertThat(p).hasSize(101);
    assertThat(new long[] {p[0], p[1], p[50], p[99], p[100]})
        .containsExactly(ms(1), ms(2), ms(55), ms(190), ms(200));
    for (int k = 1; k <= 100; k++) {
      assertThat(p[k]).as("percentile %d", k).isGreaterThanOrEqualTo(p[k - 1]);
    }
    assertThat(baselines.get(1).percentileRank(ms(190))).isEqualTo(99);
    assertThat(baselines.get(2).percentiles()[0]).isEqualTo(ms(7));
    assertThat(baselines.get(2).p50Nanos()).isEqualTo(ms(8));
    assertThat(baselines.get(2).percentiles()[100]).isEqualTo(ms(9));

    assertThat(store.baselines(List.of(pay), t0 + AnalyticsFixtures.STEP.toNanos(), end, null))
        .extracting(Baseline::count).containsExactly(20L);
    assertThat(store.baselines(List.of(missing), t0, end, null)).isEmpty();
    assertThat(store.baselines(List.of(), t0, end, null)).isEmpty();

    // The trace a baseline is compared with is left out of it: without the 9 ms span's trace,
    // the frontend's two other spans (7 and 8 ms) remain.
    assertThat(store.baselines(List.of(home), t0, end, AnalyticsFixtures.SLOWEST_HOME))
        .singleElement().satisfies(b -> {
          assertThat(b.count()).isEqualTo(2L);
          assertThat(b.percentiles()[0]).isEqualTo(ms(7));
          assertThat(b.percentiles()[100]).isEqualTo(ms(8));
        });
    assertThat(store.baselines(List.of(home), t0, end, Fixtures.traceId(999_999)))
        .extracting(Baseline::count).containsExactly(3L);
  }

  @Test
  void ranksThePlantedAttributeOfTheSlowSpansFirst() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.compare(t0));
    write(AnalyticsFixtures.compare(t0));
    CompareQuery.Selection slow = new CompareQuery.Selection(ms(500), null, null, null, false);

    CompareResult all = store.compare(compareQuery(t0, slow, 100));

    assertThat(all.selectionSpans()).isEqualTo(20);
    assertThat(all.baselineSpans()).isEqualTo(80);
    assertThat(all.attributes()).containsExactly(
        share("span", "user.tier", "free", 19, 8, 20, 80),
        share("resource", "host.name", "node-1", 20, 30, 20, 80),
        share("span", "http.response.status_code", "504", 5, 0, 20, 80),
        share("resource", "service.name", AnalyticsFixtures.SHOP, 20, 80, 20, 80),
        share("span", "http.response.status_code", "200", 15, 80, 20, 80),
        share("resource", "host.name", "node-2", 0, 50, 20, 80),
        share("span", "user.tier", "paid", 1, 72, 20, 80));
    assertThat(all.attributes().get(0).difference()).isCloseTo(0.85, within(1e-9));

    assertThat(store.compare(compareQuery(t0, slow, 2)).attributes())
        .containsExactlyElementsOf(all.attributes().subList(0, 2));
  }

  @Test
  void comparesASelectionOfErrors() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.compare(t0));

    CompareResult errors = store.compare(compareQuery(t0, new CompareQuery.Selection(null, null, null, null, true), 3));

    assertThat(errors.selectionSpans()).isEqualTo(8);
    assertThat(errors.baselineSpans()).isEqualTo(92);
    assertThat(errors.attributes()).containsExactly(
        share("span", "http.response.status_code", "504", 5, 0, 8, 92),
        share("span", "user.tier", "free", 6, 21, 8, 92),
        share("resource", "host.name", "node-1", 6, 44, 8, 92));

    // Slow errors that started in the first minute: spans 0, 1 and 2.
    CompareResult narrow = store.compare(compareQuery(t0,
        new CompareQuery.Selection(ms(500), ms(900), t0, t0 + Duration.ofMinutes(1).toNanos(), true), 1));
    assertThat(narrow.selectionSpans()).isEqualTo(3);
    assertThat(narrow.baselineSpans()).isEqualTo(97);
    assertThat(narrow.attributes()).containsExactly(
        share("span", "http.response.status_code", "504", 3, 2, 3, 97));
  }

  @Test
  void comparesNothingWhenThePopulationIsEmpty() {
    if (!analyticsSupported()) {
      return;
    }
    long t0 = analyticsBase();
    write(AnalyticsFixtures.compare(t0));

    CompareResult none = store.compare(new CompareQuery(AnalyticsFixtures.SHOP, "GET /nothing", t0,
        t0 + AnalyticsFixtures.WINDOW.toNanos(), new CompareQuery.Selection(null, null, null, null, true), 10));

    assertThat(none).isEqualTo(new CompareResult(0, 0, List.of()));
  }

  /**
   * Whether the store declares {@link Capability#ANALYTICS}; when it does not, checks that every
   * analytics call is refused naming the capability.
   */
  private boolean analyticsSupported() {
    if (store.capabilities().supports(Capability.ANALYTICS)) {
      return true;
    }
    long now = Fixtures.nowNanos();
    assertThatThrownBy(() -> store.red(new RedQuery(null, null, null, false, now - 1, now, 1)))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("ANALYTICS");
    assertThatThrownBy(() -> store.baselines(List.of(new OperationKey("a", "b")), now - 1, now, null))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("ANALYTICS");
    assertThatThrownBy(() -> store.compare(new CompareQuery(null, null, now - 1, now,
        new CompareQuery.Selection(null, null, null, null, true), 1)))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("ANALYTICS");
    return false;
  }

  /** Half an hour ago, on a whole second. */
  private static long analyticsBase() {
    return Fixtures.nowNanos() / 1_000_000_000L * 1_000_000_000L - Duration.ofMinutes(30).toNanos();
  }

  private static RedQuery redQuery(String service, String operation, SpanKind kind, boolean byOperation,
      long t0, Duration step) {
    return new RedQuery(service, operation, kind, byOperation, t0, t0 + AnalyticsFixtures.WINDOW.toNanos(),
        step.toNanos());
  }

  private static CompareQuery compareQuery(long t0, CompareQuery.Selection selection, int limit) {
    return new CompareQuery(AnalyticsFixtures.SHOP, AnalyticsFixtures.SHOP_CHECKOUT, t0,
        t0 + AnalyticsFixtures.WINDOW.toNanos(), selection, limit);
  }

  private static CompareResult.AttributeShare share(String scope, String key, String value, long selectionCount,
      long baselineCount, long selectionSpans, long baselineSpans) {
    return new CompareResult.AttributeShare(scope, key, value, selectionCount, baselineCount, selectionSpans,
        baselineSpans);
  }

  private static long ms(long millis) {
    return millis * 1_000_000L;
  }

  /** The base time of the search fixtures in this test: half an hour ago, on a whole second. */
  private long base;

  /** Writes the search fixtures, one batch per resource group, and reads the queries file for them. */
  protected final QueryFile writeSearchFixtures() {
    base = Fixtures.nowNanos() / 1_000_000_000L * 1_000_000_000L - Duration.ofMinutes(30).toNanos();
    for (Traces t : SearchFixtures.batches(base)) {
      write(t);
    }
    return QueryFile.load(base);
  }

  /** Runs {@code query} page by page and returns every trace, checking the pages on the way. */
  protected final List<TraceSummary> searchAllPages(TraceQuery query) {
    List<TraceSummary> all = new ArrayList<>();
    TraceQuery q = query;
    for (int pages = 0; pages < 1_000; pages++) {
      SearchResult r = store.search(q);
      assertThat(r.traces().size()).as("page size").isLessThanOrEqualTo(query.limit());
      all.addAll(r.traces());
      if (r.next() == null) {
        return all;
      }
      assertThat(r.traces()).as("a page followed by another is full").hasSize(query.limit());
      q = q.toBuilder().cursor(r.next()).build();
    }
    return fail("more than 1000 pages for " + query);
  }

  private static List<TraceId> ids(List<TraceSummary> summaries) {
    List<TraceId> out = new ArrayList<>();
    summaries.forEach(s -> out.add(s.traceId()));
    return out;
  }

  private static List<String> names(QueryFile f, List<?> traces) {
    List<String> out = new ArrayList<>();
    for (Object t : traces) {
      TraceId id = t instanceof TraceSummary ? ((TraceSummary) t).traceId() : (TraceId) t;
      out.add(f.names.getOrDefault(id, id.hex()));
    }
    return out;
  }

  /** Polls {@code condition} until it holds, failing after a bound that only guards against hangs. */
  protected static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + TIMEOUT);
      }
      Thread.sleep(20);
    }
  }

  /** Returns the failure of {@code write}, failing the test if it does not fail within the bound. */
  protected static Throwable failureOf(CompletableFuture<Void> write) {
    try {
      write.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (TimeoutException e) {
      throw new AssertionError("write neither failed nor completed within " + TIMEOUT, e);
    }
    return fail("expected the write to fail, but it completed");
  }

  private static Traces interleave(Traces a, Traces b) {
    List<Object[]> as = new ArrayList<>();
    List<Object[]> bs = new ArrayList<>();
    a.forEachSpan((rs, ss, span) -> as.add(new Object[] {rs, ss, span}));
    b.forEachSpan((rs, ss, span) -> bs.add(new Object[] {rs, ss, span}));
    Traces.Builder out = Traces.builder();
    for (int i = 0; i < Math.max(as.size(), bs.size()); i++) {
      for (List<Object[]> list : List.of(as, bs)) {
        if (i < list.size()) {
          Object[] e = list.get(i);
          out.add((ResourceSpans) e[0], (ScopeSpans) e[1], (Span) e[2]);
        }
      }
    }
    return out.build();
  }
}
