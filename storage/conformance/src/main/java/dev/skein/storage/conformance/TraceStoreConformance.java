package dev.skein.storage.conformance;

import static dev.skein.storage.conformance.TraceAssertions.assertSameSpans;
import static dev.skein.storage.conformance.TraceAssertions.spansOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.Operation;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
  void keepsReadingCorrectlyWhenTheSameSpanIsWrittenTwice() {
    TraceId id = Fixtures.traceId(100);
    Traces trace = Fixtures.fullTrace(id, recently());

    write(trace);
    write(trace);

    Traces read = store.trace(id).orElseThrow();
    Set<ByteString> spanIds = new HashSet<>();
    read.forEachSpan((rs, ss, span) -> spanIds.add(span.getSpanId()));
    assertThat(spanIds).hasSize(Fixtures.FULL_TRACE_SPANS);
    assertThat(read.spanCount()).isBetween(Fixtures.FULL_TRACE_SPANS, 2 * Fixtures.FULL_TRACE_SPANS);
    // Whatever a backend does with the duplicate, every span it returns is one that was written.
    Traces expected = TraceAssertions.normalize(trace);
    read.forEachSpan((rs, ss, span) -> {
      Traces single = Traces.builder().add(rs, ss, span).build();
      Traces.Builder match = Traces.builder();
      expected.forEachSpan((ers, ess, es) -> {
        if (es.getSpanId().equals(span.getSpanId())) {
          match.add(ers, ess, es);
        }
      });
      assertSameSpans(single, match.build());
    });
    assertThat(store.operations(Fixtures.FRONTEND, null)).hasSize(2);
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
