package dev.skein.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.skein.storage.conformance.TraceAssertions.assertSameSpans;

import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.Operation;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.conformance.Fixtures;
import dev.skein.storage.conformance.TraceStoreConformance;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;

class EmbeddedTraceStoreTest extends TraceStoreConformance {
  @Override
  protected TraceStore open(Path dir) {
    return EmbeddedTraceStore.builder().path(dir).build();
  }

  @Override
  protected Capabilities expectedCapabilities() {
    return Capabilities.of(Capability.TRACE_BY_ID, Capability.DURABLE, Capability.RETENTION,
        Capability.SEARCH, Capability.TRACEQL_STRUCTURAL, Capability.DEPENDENCIES, Capability.TAGS,
        Capability.ANALYTICS);
  }

  @Override
  protected TraceStore openWithRetention(Path dir, Duration retention, Duration checkInterval) {
    return EmbeddedTraceStore.builder().path(dir).retention(retention)
        .retentionCheckInterval(checkInterval).build();
  }

  @Test
  void capsDuckDbsMemoryAtTheConfiguredLimit(@org.junit.jupiter.api.io.TempDir Path dir) {
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir).memoryLimitMib(96).build()) {
      assertThat(store.duckdbSetting("memory_limit")).isEqualTo("96.0 MiB");
    }
    assertThatThrownBy(() -> EmbeddedTraceStore.builder().memoryLimitMib(0))
        .hasMessage("memoryLimitMib: 0 (expected: > 0)");
  }

  @Test
  void raisesDuckDbsMemoryLimitForTheTraceIndexAsTracesAreStored(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir).memoryLimitMib(96)
        .retentionCheckInterval(Duration.ofMillis(50)).build()) {
      // 96 bytes per trace, rounded up to whole MiB: 20,000 traces need 2 MiB more.
      Traces.Builder many = Traces.builder();
      for (int i = 0; i < 20_000; i++) {
        Fixtures.singleSpan(Fixtures.traceId(100_000 + i), "svc", "op", SpanKind.SPAN_KIND_SERVER, recently(),
            Duration.ofMillis(1))
            .forEachSpan(many::add);
      }
      await(store.write(many.build()));
      awaitTrue("the limit is raised", () -> store.duckdbSetting("memory_limit").equals("98.0 MiB"));
      assertThat(store.duckdbSetting("memory_limit")).isEqualTo("98.0 MiB");
    }
    try (EmbeddedTraceStore reopened = EmbeddedTraceStore.builder().path(dir).memoryLimitMib(96).build()) {
      // Opening checks at once.
      awaitTrue("the limit is raised on opening", () -> reopened.duckdbSetting("memory_limit").equals("98.0 MiB"));
      assertThat(reopened.duckdbSetting("memory_limit")).isEqualTo("98.0 MiB");
    }
  }

  /**
   * A full disk makes a checkpoint fail, after which DuckDB invalidates the database and refuses
   * every statement. The disk is simulated by the per-file size limit of this process
   * ({@code RLIMIT_FSIZE}, set with util-linux's {@code prlimit}): the kernel refuses to grow any
   * file past it, as it refuses to grow one on a full disk.
   */
  @Test
  void opensTheDatabaseAgainAfterAFatalErrorAndKeepsEveryAcknowledgedSpan(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    long pid = ProcessHandle.current().pid();
    Map<TraceId, Traces> acknowledged = new TreeMap<>(java.util.Comparator.comparing(TraceId::hex));
    try (EmbeddedTraceStore s = EmbeddedTraceStore.builder().path(dir)
        .duckdbSetting("checkpoint_threshold", "256KiB").build()) {
      int next = 1_000_000;
      Map<TraceId, Traces> first = fullTraces(next, 50);
      next += 50;
      await(s.write(oneBatch(first)));
      acknowledged.putAll(first);
      StorageException refused = null;
      // The database file may grow by 1 MiB more; a checkpoint that needs more fails.
      fileSizeLimit(pid, Files.size(dir.resolve(EmbeddedTraceStore.DATABASE_FILE)) + (1 << 20));
      try {
        for (int i = 0; i < 1_000 && refused == null; i++) {
          Map<TraceId, Traces> batch = fullTraces(next, 50);
          next += 50;
          try {
            s.write(oneBatch(batch)).get(1, TimeUnit.MINUTES);
            acknowledged.putAll(batch);
          } catch (java.util.concurrent.ExecutionException e) {
            refused = (StorageException) e.getCause();
          }
        }
      } finally {
        fileSizeLimit(pid, 0);
      }
      assertThat(refused).as("a write refused once the file could not grow").isNotNull();
      assertThat(refused.retryable()).as("retryable: " + refused.getMessage()).isTrue();

      // The disk has room again: the store opens the database again and takes writes.
      Map<TraceId, Traces> after = fullTraces(next, 50);
      awaitTrue("a write is acknowledged again",
          () -> s.write(oneBatch(after)).handle((ok, e) -> e == null).join());
      acknowledged.putAll(after);
      assertThat(s.reopened()).as("times the database was opened again").isEqualTo(1);
      assertThat(acknowledged).hasSizeGreaterThan(100);
      acknowledged.forEach((id, trace) -> assertSameSpans(
          s.trace(id).orElseThrow(() -> new AssertionError("acknowledged trace " + id + " is lost")), trace));
    }
  }

  /** {@code count} full traces with IDs from {@code seed} on. */
  private static Map<TraceId, Traces> fullTraces(int seed, int count) {
    Map<TraceId, Traces> traces = new java.util.LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      traces.put(Fixtures.traceId(seed + i), Fixtures.fullTrace(Fixtures.traceId(seed + i), recently()));
    }
    return traces;
  }

  private static Traces oneBatch(Map<TraceId, Traces> traces) {
    Traces.Builder b = Traces.builder();
    traces.values().forEach(t -> t.forEachSpan(b::add));
    return b.build();
  }

  /** Sets this process's limit on the size of a file it writes, in bytes; 0 lifts it. */
  private static void fileSizeLimit(long pid, long bytes) throws Exception {
    String soft = bytes == 0 ? "unlimited" : Long.toString(bytes);
    Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--fsize=" + soft + ":unlimited")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("prlimit: " + out).isZero();
  }

  @Test
  void checkpointsTheLogAtHalfTheMemoryCap(@org.junit.jupiter.api.io.TempDir Path dir) {
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir.resolve("a")).memoryLimitMib(128).build()) {
      assertThat(store.duckdbSetting("checkpoint_threshold")).isEqualTo("64.0 MiB");
    }
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir.resolve("b")).memoryLimitMib(20).build()) {
      assertThat(store.duckdbSetting("checkpoint_threshold")).as("at least 16 MB").isEqualTo("16.0 MiB");
    }
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir.resolve("c")).memoryLimitMib(4096).build()) {
      assertThat(store.duckdbSetting("checkpoint_threshold")).as("at most 256 MB").isEqualTo("256.0 MiB");
    }
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir.resolve("d")).build()) {
      assertThat(store.duckdbSetting("checkpoint_threshold")).as("no cap").isEqualTo("256.0 MiB");
    }
  }

  @Test
  void keepsTheDatabaseFileInsideItsDirectory() {
    store.close();
    assertThat(dir.resolve(EmbeddedTraceStore.DATABASE_FILE)).isRegularFile();

    Path nested = dir.resolve("a/b/c");
    try (EmbeddedTraceStore created = EmbeddedTraceStore.builder().path(nested).build()) {
      assertThat(created.path()).isEqualTo(nested);
    }
    assertThat(nested.resolve(EmbeddedTraceStore.DATABASE_FILE)).isRegularFile();
  }

  @Test
  void hasDefaults() {
    EmbeddedTraceStore s = (EmbeddedTraceStore) store;
    assertThat(s.retention()).isEqualTo(Duration.ofDays(7));
    assertThat(s.retentionCheckInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.maxPendingSpans()).isEqualTo(200_000);
  }

  @Test
  void validatesSettingsEagerly() {
    EmbeddedTraceStore.Builder b = EmbeddedTraceStore.builder();
    assertThatThrownBy(() -> b.retention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retention: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.retention(Duration.ofHours(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retention: PT-1H (expected: > 0)");
    assertThatThrownBy(() -> b.retentionCheckInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retentionCheckInterval: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.maxPendingSpans(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxPendingSpans: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.retention(null))
        .isInstanceOf(NullPointerException.class).hasMessage("retention");
    assertThatThrownBy(() -> b.path(null))
        .isInstanceOf(NullPointerException.class).hasMessage("path");
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("path: not set");
  }

  @Test
  void refusesAFileAsItsDirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

    assertThatThrownBy(() -> EmbeddedTraceStore.builder().path(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path: " + file + " (expected: a directory)");
  }

  @Test
  void refusesASecondStoreOnTheSameDirectory() {
    assertThatThrownBy(() -> EmbeddedTraceStore.builder().path(dir).build())
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("already open in this process");

    store.close();
    EmbeddedTraceStore.builder().path(dir).build().close();
  }

  @Test
  void refusesADatabaseOfANewerSchema() throws Exception {
    store.close();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_version VALUES (99)");
    }

    assertThatThrownBy(() -> EmbeddedTraceStore.builder().path(dir).build())
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("schema version 99 (expected: at most " + Schema.VERSION + ")");
  }

  @Test
  void storesSearchableColumnsAndAttributes() throws Exception {
    TraceId id = Fixtures.traceId(500);
    long start = recently();
    write(Fixtures.fullTrace(id, start));
    write(Fixtures.fullTrace(Fixtures.traceId(501), start));
    store.close();

    try (Connection c = DriverManager.getConnection(
            "jdbc:duckdb:" + dir.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT service || '|' || name || '|' || kind || '|' || (start_ns - " + start
          + ") || '|' || duration_ns || '|' || status_code || '|' || (parent_span_id IS NULL)"
          + " FROM spans WHERE trace_id = from_hex('" + id.hex() + "') ORDER BY start_ns"))
          .containsExactly(
              "frontend|GET /api/checkout|2|0|1200000000|2|true",
              "frontend|POST|3|5000000|1145000000|2|false",
              "checkout|POST /checkout|2|10000000|1130000000|2|false",
              "checkout|SELECT shop.orders|3|20000000|800000000|1|false",
              "checkout|compute-total|1|821000000|2000000|1|false",
              "checkout|order.created publish|4|824000000|5000000|1|false",
              "checkout|INSERT shop.orders|3|830000000|300000000|2|false",
              "billing|order.created process|5|900000000|60000000|1|false",
              "billing|legacy-hook|0|905000000|1000000|0|false");

      Map<String, String> rootAttributes = new TreeMap<>();
      try (ResultSet rs = s.executeQuery("SELECT a.key, a.value FROM span_attributes a"
          + " JOIN spans s ON s.span_no = a.span_no"
          + " WHERE s.trace_id = from_hex('" + id.hex() + "') AND s.parent_span_id IS NULL")) {
        while (rs.next()) {
          rootAttributes.put(rs.getString(1), rs.getString(2));
        }
      }
      assertThat(rootAttributes)
          .containsEntry("http.request.method", "GET")
          .containsEntry("app.customer.name", "Zoë Ångström – 漢字 🙂")
          .containsEntry("app.cache.hit", "true")
          .containsEntry("http.response.status_code", "502")
          .containsEntry("app.balance.cents", "-9223372036854775808")
          .containsEntry("app.cart.total", "149.95")
          .containsEntry("app.request.digest", "AAF/gP8=")
          .containsEntry("http.request.header.accept", "[\"text/html\",\"application/json\"]")
          .containsEntry("app.mixed", "[\"a\",-7,false,-0.5,\"cmF3\",null,[1],{\"k\":\"v\"}]")
          .containsEntry("app.order",
              "{\"id\":\"o-1042\",\"items\":3,\"shipping\":{\"country\":\"NL\",\"express\":true,\"window\":[9,17]}}")
          .containsEntry("app.empty", "")
          .containsEntry("app.empty.array", "[]")
          .containsEntry("app.empty.kvlist", "{}");

      // Headers are stored once however many traces use them.
      assertThat(rows(s, "SELECT count(*) FROM resources")).containsExactly("3");
      assertThat(rows(s, "SELECT count(*) FROM scopes")).containsExactly("6");
      assertThat(rows(s, "SELECT r.service FROM resource_attributes a JOIN resources r USING (resource_id)"
          + " WHERE a.key = 'telemetry.sdk.language' AND a.value = 'python'")).containsExactly("checkout");
      assertThat(rows(s, "SELECT count(*) FROM operations")).containsExactly("9");
    }
  }

  @Test
  void windowedSearchesFindWhatTheWholeRangeHolds() {
    long newest = recently();
    List<TraceId> newestFirst = new ArrayList<>();
    List<TraceId> common1 = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      TraceId id = Fixtures.traceId(700 + i);
      long start = newest - (59 - i) * Duration.ofMinutes(1).toNanos();
      write(Fixtures.singleSpan(id, i == 0 ? "rare" : "common-" + (i % 3), "GET /" + i,
          SpanKind.SPAN_KIND_SERVER, start, Duration.ofMillis(5)));
      newestFirst.add(0, id);
      if (i != 0 && i % 3 == 1) {
        common1.add(0, id);
      }
    }
    TraceQuery twoHours = TraceQuery.builder()
        .startMaxNanos(Fixtures.nowNanos() + Duration.ofMinutes(1).toNanos())
        .startMinNanos(Fixtures.nowNanos() - Duration.ofHours(2).toNanos())
        .limit(5).build();

    assertThat(store.search(twoHours).traces()).extracting(TraceSummary::traceId)
        .containsExactlyElementsOf(newestFirst.subList(0, 5));
    assertThat(searchAllPages(twoHours.toBuilder().limit(7).build())).extracting(TraceSummary::traceId)
        .as("every page, across window boundaries")
        .containsExactlyElementsOf(newestFirst);
    assertThat(store.search(twoHours.toBuilder().service("rare").build()).traces())
        .extracting(TraceSummary::traceId)
        .as("the oldest trace, found once the window covers the whole range")
        .containsExactly(Fixtures.traceId(700));
    assertThat(searchAllPages(twoHours.toBuilder().service("common-1").limit(4).build()))
        .extracting(TraceSummary::traceId)
        .containsExactlyElementsOf(common1);
  }

  @Test
  void deletesSpansOlderThanTheRetention() throws Exception {
    store.close();
    Path retained = dir.resolve("retained");
    TraceId old = Fixtures.traceId(600);
    TraceId fresh = Fixtures.traceId(601);
    TraceId retired = Fixtures.traceId(602);
    try (EmbeddedTraceStore s = EmbeddedTraceStore.builder()
        .path(retained)
        .retention(Duration.ofHours(1))
        .retentionCheckInterval(Duration.ofMillis(50))
        .build()) {
      long twoHoursAgo = Fixtures.nowNanos() - Duration.ofHours(2).toNanos();
      await(s.write(Fixtures.fullTrace(old, twoHoursAgo)));
      await(s.write(Fixtures.fullTrace(fresh, recently())));
      await(s.write(Fixtures.singleSpan(retired, "retired-service", "GET /v1/legacy",
          SpanKind.SPAN_KIND_SERVER, twoHoursAgo, Duration.ofMillis(5))));

      awaitTrue("old spans are deleted", () -> s.trace(old).isEmpty() && s.trace(retired).isEmpty());

      assertThat(s.trace(fresh)).isPresent();
      assertThat(s.trace(fresh).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      awaitTrue("the service without spans is gone", () -> !s.services().contains("retired-service"));
      assertThat(s.operations("retired-service", null)).isEmpty();
      assertThat(s.operations(Fixtures.FRONTEND, null)).contains(new Operation("POST", "client"));

      // The store keeps taking writes, including headers that retention just removed.
      TraceId again = Fixtures.traceId(603);
      await(s.write(Fixtures.singleSpan(again, "retired-service", "GET /v1/legacy",
          SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(5))));
      assertThat(s.trace(again)).isPresent();
      assertThat(s.services()).contains("retired-service");
    }

    try (Connection c = DriverManager.getConnection(
            "jdbc:duckdb:" + retained.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement st = c.createStatement()) {
      long cutoff = Fixtures.nowNanos() - Duration.ofHours(1).toNanos();
      assertThat(rows(st, "SELECT count(*) FROM spans WHERE start_ns < " + cutoff)).containsExactly("0");
      assertThat(rows(st, "SELECT count(*) FROM span_attributes WHERE span_no NOT IN (SELECT span_no FROM spans)"))
          .containsExactly("0");
      assertThat(rows(st, "SELECT count(*) FROM span_events WHERE span_no NOT IN (SELECT span_no FROM spans)"))
          .containsExactly("0");
      assertThat(rows(st, "SELECT count(*) FROM span_attributes")).doesNotContain("0");
      assertThat(rows(st, "SELECT count(*) FROM span_events")).doesNotContain("0");
      assertThat(rows(st, "SELECT count(*) FROM resources WHERE resource_id NOT IN"
          + " (SELECT resource_id FROM spans)")).containsExactly("0");
      assertThat(rows(st, "SELECT count(*) FROM resource_attributes WHERE resource_id NOT IN"
          + " (SELECT resource_id FROM resources)")).containsExactly("0");
      assertThat(rows(st, "SELECT count(*) FROM scopes WHERE scope_id NOT IN"
          + " (SELECT scope_id FROM spans)")).containsExactly("0");
    }
  }

  @Test
  void refusesWritesBeyondThePendingLimitAsRetryable() throws Exception {
    store.close();
    CountDownLatch writerHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // Retention reads the clock first thing on the writer thread: blocking it there holds the
    // writer, so queued spans stay queued.
    Clock holding = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        writerHeld.countDown();
        try {
          release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Instant.now();
      }

      @Override
      public long millis() {
        return instant().toEpochMilli();
      }
    };
    try (EmbeddedTraceStore s = EmbeddedTraceStore.builder()
        .path(dir.resolve("limited"))
        .maxPendingSpans(2 * Fixtures.FULL_TRACE_SPANS)
        .clock(holding)
        .build()) {
      assertThat(writerHeld.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      CompletableFuture<Void> first = s.write(Fixtures.fullTrace(Fixtures.traceId(700), recently()));
      CompletableFuture<Void> second = s.write(Fixtures.fullTrace(Fixtures.traceId(701), recently()));

      Throwable refused = failureOf(s.write(Fixtures.fullTrace(Fixtures.traceId(702), recently())));

      assertThat(refused).isInstanceOf(StorageException.class)
          .hasMessageContaining("27 spans waiting to be committed (expected: at most 18)");
      assertThat(((StorageException) refused).retryable()).isTrue();
      release.countDown();
      await(first);
      await(second);
      assertThat(s.trace(Fixtures.traceId(701))).isPresent();
      assertThat(s.trace(Fixtures.traceId(702))).isEmpty();
      // Once the writer caught up, writes are accepted again.
      await(s.write(Fixtures.fullTrace(Fixtures.traceId(702), recently())));
    } finally {
      release.countDown();
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion1() throws Exception {
    Path old = instead("version-1");
    TraceId id = Fixtures.traceId(800);
    Traces written = Fixtures.fullTrace(id, recently());
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE))) {
      writeVersion1(c, written);
      // Version 1 stored a span written twice twice.
      writeVersion1Spans(c, written);
    }

    try (EmbeddedTraceStore migrated = EmbeddedTraceStore.builder().path(old).build()) {
      assertSameSpans(migrated.trace(id).orElseThrow(), written);
      TraceSummary summary = migrated.summary(id).orElseThrow();
      assertThat(summary.spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(summary.rootService()).isEqualTo(Fixtures.FRONTEND);
      assertThat(migrated.search(TraceQuery.builder()
          .span(SpanCondition.compare(Attribute.span("db.system"), Comparison.EQ, Value.string("postgresql")))
          .build()).traces()).extracting(TraceSummary::traceId).containsExactly(id);
      assertThat(migrated.operations(Fixtures.FRONTEND, null)).hasSize(2);
      await(migrated.write(written));
      assertThat(migrated.trace(id).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'v1_%'"))
          .containsExactly("0");
    }
  }

  @Test
  void storesSpanBytesWithoutTheIdAndTimeColumns() throws Exception {
    TraceId id = Fixtures.traceId(810);
    Traces written = Fixtures.fullTrace(id, recently());
    write(written);
    store.close();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT span FROM spans")) {
        int spans = 0;
        while (rs.next()) {
          Span stored = Span.parseFrom(rs.getBytes(1));
          assertThat(stored.getTraceId().isEmpty()).isTrue();
          assertThat(stored.getSpanId().isEmpty()).isTrue();
          assertThat(stored.getStartTimeUnixNano()).isZero();
          assertThat(stored.getName()).isNotEmpty();
          spans++;
        }
        assertThat(spans).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      }
    }
    try (EmbeddedTraceStore reopened = EmbeddedTraceStore.builder().path(dir).build()) {
      assertSameSpans(reopened.trace(id).orElseThrow(), written);
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion2() throws Exception {
    Path old = instead("earlier");
    TraceId id = Fixtures.traceId(820);
    Traces written = Fixtures.fullTrace(id, recently());
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection(
        "jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE))) {
      Schema.migrate(c, old);
      writeWholeSpans(c, written);
      toVersion3(c, List.of(written));
      try (Statement s = c.createStatement()) {
        s.execute("UPDATE schema_version SET version = 2");
      }
    }

    try (EmbeddedTraceStore opened = EmbeddedTraceStore.builder().path(old).build()) {
      assertSameSpans(opened.trace(id).orElseThrow(), written);
      // A span stored whole by an earlier version is the same span: writing it again adds nothing.
      await(opened.write(written));
      assertThat(opened.summary(id).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(opened.trace(id).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      await(opened.write(Fixtures.fullTrace(Fixtures.traceId(821), recently())));
    }
    try (EmbeddedTraceStore reopened = EmbeddedTraceStore.builder().path(old).build()) {
      assertSameSpans(reopened.trace(id).orElseThrow(), written);
      assertThat(reopened.trace(Fixtures.traceId(821)).orElseThrow().spanCount())
          .isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(reopened.search(TraceQuery.builder()
          .span(SpanCondition.compare(Attribute.span("db.system"), Comparison.EQ, Value.string("postgresql")))
          .build()).traces()).extracting(TraceSummary::traceId)
          .containsExactlyInAnyOrder(id, Fixtures.traceId(821));
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT count(*) FROM spans")).containsExactly(Integer.toString(2 * Fixtures.FULL_TRACE_SPANS));
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion3() throws Exception {
    Path old = instead("version-3");
    TraceId split = Fixtures.traceId(830);
    Traces first = Fixtures.fullTrace(split, recently());
    List<Traces> halves = halves(first);
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection(
        "jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE))) {
      Schema.migrate(c, old);
      TraceTables tables = new TraceTables(c, new SpanCompression());
      List<Traces> written = new ArrayList<>(List.of(first));
      // One trace in two batches, with other traces' batches before, between and after them.
      for (int i = 0; i < 12; i++) {
        written.add(Fixtures.fullTrace(Fixtures.traceId(840 + i), recently()));
        appendCommitted(c, tables, written.get(written.size() - 1));
        if (i == 3) {
          appendCommitted(c, tables, halves.get(0));
        } else if (i == 9) {
          appendCommitted(c, tables, halves.get(1));
        }
      }
      toVersion3(c, written);
    }

    try (EmbeddedTraceStore migrated = EmbeddedTraceStore.builder().path(old).build()) {
      assertSameSpans(migrated.trace(split).orElseThrow(), first);
      for (int i = 0; i < 12; i++) {
        assertThat(migrated.trace(Fixtures.traceId(840 + i)).orElseThrow().spanCount())
            .isEqualTo(Fixtures.FULL_TRACE_SPANS);
      }
      // Written again, nothing is added; a new trace is found as well.
      await(migrated.write(first));
      await(migrated.write(Fixtures.fullTrace(Fixtures.traceId(860), recently())));
      assertThat(migrated.trace(split).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(migrated.trace(Fixtures.traceId(860)).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(migrated.traces(List.of(split, Fixtures.traceId(860), Fixtures.traceId(845)), 1000))
          .containsOnlyKeys(split, Fixtures.traceId(860), Fixtures.traceId(845));
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT index_name FROM duckdb_indexes() ORDER BY 1")).containsExactly("traces_by_trace_id");
      assertThat(rows(s, "SELECT count(*) FROM spans WHERE batch_seq IS NULL")).containsExactly("0");
      // The new trace's batch comes after every migrated one.
      assertThat(rows(s, "SELECT (SELECT min(batch_seq) FROM spans WHERE trace_id = from_hex('"
          + Fixtures.traceId(860).hex() + "')) > (SELECT max(batch_seq) FROM spans WHERE trace_id <> from_hex('"
          + Fixtures.traceId(860).hex() + "'))")).containsExactly("true");
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion4() throws Exception {
    Path old = instead("version-4");
    TraceId id = Fixtures.traceId(880);
    Traces written = writeOld(old, id, (c, traces) -> {
      toVersion5(c, traces);
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE span_dictionaries");
        s.execute("UPDATE schema_version SET version = 4");
      }
    });

    try (EmbeddedTraceStore migrated = EmbeddedTraceStore.builder().path(old).build()) {
      assertSameSpans(migrated.trace(id).orElseThrow(), written);
      await(migrated.write(Fixtures.fullTrace(Fixtures.traceId(881), recently())));
      assertThat(migrated.trace(Fixtures.traceId(881)).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT count(*) FROM span_dictionaries")).containsExactly("0");
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion6() throws Exception {
    Path old = instead("version-6");
    TraceId id = Fixtures.traceId(885);
    Traces written = writeOld(old, id, EmbeddedTraceStoreTest::toVersion6);

    try (EmbeddedTraceStore migrated = EmbeddedTraceStore.builder().path(old).build()) {
      // End times come back from start and duration.
      assertSameSpans(migrated.trace(id).orElseThrow(), written);
      // Numbers are compared from the text form: integers, and an integer against a double.
      assertThat(migrated.search(TraceQuery.builder()
          .span(SpanCondition.compare(Attribute.span("http.response.status_code"), Comparison.GE, Value.integer(500)))
          .build()).traces()).extracting(TraceSummary::traceId).containsExactly(id);
      assertThat(migrated.search(TraceQuery.builder()
          .span(SpanCondition.compare(Attribute.span("http.response.status_code"), Comparison.GT, Value.decimal(502.5)))
          .build()).traces()).isEmpty();
      assertThat(migrated.search(TraceQuery.builder()
          .span(SpanCondition.compare(Attribute.span("app.cart.total"), Comparison.LT, Value.integer(150)))
          .build()).traces()).extracting(TraceSummary::traceId).containsExactly(id);
      // The spans' keys live on in the trace's summary: written again, nothing is added.
      await(migrated.write(written));
      assertThat(migrated.trace(id).orElseThrow().spanCount()).isEqualTo(Fixtures.FULL_TRACE_SPANS);
      assertThat(migrated.dependencies(0, Long.MAX_VALUE)).isNotEmpty();
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT count(*) FROM spans")).containsExactly(Integer.toString(Fixtures.FULL_TRACE_SPANS));
      assertThat(rows(s, "SELECT table_name || '.' || column_name FROM information_schema.columns"
          + " WHERE column_name IN ('span_key', 'end_ns', 'int_value', 'double_value') ORDER BY 1"))
          .containsExactly("traces.end_ns");
    }
  }

  @Test
  void migratesADatabaseOfSchemaVersion5() throws Exception {
    migrateVersion5(instead("version-5"), null);
  }

  @Test
  void numbersTheSpansOfVersion5AFewAtATime() throws Exception {
    // 45 spans, 7 at a time: attribute and event rows of one span may fall on both sides of a chunk's bounds.
    migrateVersion5(instead("version-5-in-chunks"), 7L);
  }

  /**
   * Writes five traces as schema version 5 did into {@code old}, migrates it (on opening, or
   * {@code chunk} spans at a time first) and checks what the migration made of them.
   */
  private void migrateVersion5(Path old, @Nullable Long chunk) throws Exception {
    List<TraceId> ids = new ArrayList<>();
    List<Traces> written = new ArrayList<>();
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection(
        "jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE))) {
      Schema.migrate(c, old);
      TraceTables tables = new TraceTables(c, new SpanCompression());
      for (int i = 0; i < 5; i++) {
        ids.add(Fixtures.traceId(890 + i));
        written.add(Fixtures.fullTrace(ids.get(i), recently()));
        appendCommitted(c, tables, written.get(i));
      }
      toVersion5(c, written);
      if (chunk != null) {
        Migration.fromVersion4Or5(c, old, 5, chunk);
      }
    }
    long attributeRows;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      attributeRows = Long.parseLong(rows(s, "SELECT count(*) FROM span_attributes").get(0));
    }

    TraceId added = Fixtures.traceId(899);
    try (EmbeddedTraceStore migrated = EmbeddedTraceStore.builder().path(old).build()) {
      for (int i = 0; i < ids.size(); i++) {
        assertSameSpans(migrated.trace(ids.get(i)).orElseThrow(), written.get(i));
      }
      await(migrated.write(Fixtures.fullTrace(added, recently())));
      List<TraceId> all = new ArrayList<>(ids);
      all.add(added);
      assertThat(migrated.search(TraceQuery.builder().limit(20)
          .span(SpanCondition.compare(Attribute.span("db.system"), Comparison.EQ, Value.string("postgresql")))
          .build()).traces()).extracting(TraceSummary::traceId).containsExactlyInAnyOrderElementsOf(all);
      assertThat(migrated.search(TraceQuery.builder().limit(20)
          .span(SpanCondition.compare(Intrinsic.EVENT_NAME, Comparison.EQ, Value.string("exception")))
          .build()).traces()).extracting(TraceSummary::traceId).containsExactlyInAnyOrderElementsOf(all);
      assertThat(migrated.tagValues(TagQuery.builder(TagScope.SPAN).build(), "db.system"))
          .extracting(TagValue::value).contains("postgresql");
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT version FROM schema_version")).containsExactly(Integer.toString(Schema.VERSION));
      assertThat(rows(s, "SELECT count(*) = count(DISTINCT span_no) AND count(span_no) = count(*) FROM spans"))
          .containsExactly("true");
      // Rows are in the order of their spans' numbers, which search prunes by.
      assertThat(rows(s, "SELECT count(*) FROM (SELECT span_no < lag(span_no) OVER (ORDER BY rowid) AS down"
          + " FROM span_attributes) WHERE down")).containsExactly("0");
      assertThat(rows(s, "SELECT count(*) FROM (SELECT span_no < lag(span_no) OVER (ORDER BY rowid) AS down"
          + " FROM span_events) WHERE down")).containsExactly("0");
      // Every migrated attribute row found its span; the new trace's rows came on top.
      assertThat(rows(s, "SELECT count(*) FROM span_attributes a JOIN spans s ON s.span_no = a.span_no"
          + " WHERE s.trace_id <> from_hex('" + added.hex() + "')")).containsExactly(Long.toString(attributeRows));
      assertThat(rows(s, "SELECT count(*) FROM span_events WHERE span_no NOT IN (SELECT span_no FROM spans)"))
          .containsExactly("0");
      // The new trace's spans are numbered after every migrated one.
      assertThat(rows(s, "SELECT (SELECT min(span_no) FROM spans WHERE trace_id = from_hex('" + added.hex()
          + "')) > (SELECT max(span_no) FROM spans WHERE trace_id <> from_hex('" + added.hex() + "'))"))
          .containsExactly("true");
    }
  }

  @Test
  void findsATracesSpansByTheBatchesItsSummaryLists() throws Exception {
    TraceId split = Fixtures.traceId(870);
    Traces whole = Fixtures.fullTrace(split, recently());
    List<Traces> halves = halves(whole);
    write(halves.get(0));
    // More than a batch number's worth of other spans between the two halves.
    for (int i = 0; i < TraceTables.ROWS_PER_BATCH_SEQ / Fixtures.FULL_TRACE_SPANS + 1; i++) {
      write(Fixtures.fullTrace(Fixtures.traceId(10_000 + i), recently()));
    }
    write(halves.get(1));
    assertSameSpans(store.trace(split).orElseThrow(), whole);
    store.close();

    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(EmbeddedTraceStore.DATABASE_FILE));
        Statement s = c.createStatement()) {
      // No index on the span rows, which DuckDB would have to hold in memory whole.
      assertThat(rows(s, "SELECT index_name FROM duckdb_indexes() ORDER BY 1")).containsExactly("traces_by_trace_id");
      assertThat(rows(s, "SELECT len(batches) FROM traces WHERE trace_id = from_hex('" + split.hex() + "')"))
          .containsExactly("2");
      assertThat(rows(s, "SELECT list_sort(list(DISTINCT batch_seq)) = (SELECT batches FROM traces WHERE trace_id = from_hex('"
          + split.hex() + "')) FROM spans WHERE trace_id = from_hex('" + split.hex() + "')")).containsExactly("true");
    }
  }

  /** Turns a database of the current schema that holds the spans of the traces given into one of an earlier version. */
  @FunctionalInterface
  private interface Downgrade {
    void apply(Connection c, List<Traces> written) throws SQLException;
  }

  /**
   * Writes the full trace {@code id} into a new database in {@code old}, turns it into one of an
   * earlier version by {@code downgrade}, and returns what it wrote.
   */
  private static Traces writeOld(Path old, TraceId id, Downgrade downgrade) throws Exception {
    Traces written = Fixtures.fullTrace(id, recently());
    try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection(
        "jdbc:duckdb:" + old.resolve(EmbeddedTraceStore.DATABASE_FILE))) {
      Schema.migrate(c, old);
      appendCommitted(c, new TraceTables(c, new SpanCompression()), written);
      downgrade.apply(c, List.of(written));
    }
    return written;
  }

  /** The spans of {@code trace} in two parts: the first half of its spans, and the rest. */
  private static List<Traces> halves(Traces trace) {
    Traces.Builder a = Traces.builder();
    Traces.Builder b = Traces.builder();
    int[] i = {0};
    trace.forEachSpan((rs, ss, span) -> (i[0]++ < trace.spanCount() / 2 ? a : b).add(rs, ss, span));
    return List.of(a.build(), b.build());
  }

  private static void appendCommitted(DuckDBConnection c, TraceTables tables, Traces traces) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      tables.committed(tables.append(List.of(Batch.of(traces))));
      s.execute("COMMIT");
    }
  }

  /**
   * Turns a file of the current schema, which holds the spans of {@code written} and no others,
   * into one of schema version 6: span rows with their key and end time, attribute rows with their
   * number as integer and double columns too.
   */
  private static void toVersion6(Connection c, List<Traces> written) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE spans ADD COLUMN span_key BIGINT");
      s.execute("ALTER TABLE spans ADD COLUMN end_ns BIGINT");
      s.execute("UPDATE spans SET end_ns = start_ns + duration_ns");
      try (PreparedStatement ps = c.prepareStatement("UPDATE spans SET span_key = ? WHERE trace_id = ? AND span_id = ?")) {
        for (Traces traces : written) {
          for (Batch.SpanRow row : Batch.of(traces).spans) {
            ps.setLong(1, row.key);
            ps.setBytes(2, row.traceId);
            ps.setBytes(3, row.spanId);
            ps.executeUpdate();
          }
        }
      }
      assertThat(rows(s, "SELECT count(*) FROM spans WHERE span_key IS NULL")).containsExactly("0");
      for (String table : List.of("span_attributes", "resource_attributes")) {
        s.execute("ALTER TABLE " + table + " ADD COLUMN int_value BIGINT");
        s.execute("ALTER TABLE " + table + " ADD COLUMN double_value DOUBLE");
        s.execute("UPDATE " + table + " SET int_value = CASE WHEN type = 3 THEN CAST(value AS BIGINT) END,"
            + " double_value = CASE WHEN type = 4 THEN CAST(value AS DOUBLE) END");
      }
      s.execute("UPDATE schema_version SET version = 6");
    }
  }

  /**
   * Turns a file of the current schema that holds the spans of {@code written} into one of schema
   * version 5: spans without numbers, and attribute and event rows that name their span by trace
   * ID, span key and start time.
   */
  private static void toVersion5(Connection c, List<Traces> written) throws SQLException {
    toVersion6(c, written);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE v5_attributes AS SELECT s.trace_id, s.span_key, s.start_ns, a.key, a.type, a.value,"
          + " a.int_value, a.double_value FROM span_attributes a JOIN spans s ON s.span_no = a.span_no ORDER BY a.span_no");
      s.execute("CREATE TABLE v5_events AS SELECT s.trace_id, s.span_key, s.start_ns, e.name"
          + " FROM span_events e JOIN spans s ON s.span_no = e.span_no ORDER BY e.span_no");
      s.execute("DROP TABLE span_attributes");
      s.execute("DROP TABLE span_events");
      s.execute("ALTER TABLE v5_attributes RENAME TO span_attributes");
      s.execute("ALTER TABLE v5_events RENAME TO span_events");
      s.execute("ALTER TABLE spans DROP COLUMN span_no");
      s.execute("UPDATE schema_version SET version = 5");
    }
  }

  /** Turns a file of the current schema into one of schema version 3: an index on the span rows' trace IDs, no batch numbers. */
  private static void toVersion3(Connection c, List<Traces> written) throws SQLException {
    toVersion5(c, written);
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE span_dictionaries");
      s.execute("DROP INDEX traces_by_trace_id");
      s.execute("ALTER TABLE spans DROP COLUMN batch_seq");
      s.execute("ALTER TABLE traces DROP COLUMN batches");
      s.execute("CREATE INDEX traces_by_trace_id ON traces (trace_id)");
      s.execute("CREATE INDEX spans_by_trace_id ON spans (trace_id)");
      s.execute("UPDATE schema_version SET version = 3");
    }
  }

  /** Writes {@code traces} as schema version 2 did, with whole span bytes. */
  private static void writeWholeSpans(DuckDBConnection c, Traces traces) throws SQLException {
    Batch batch = Batch.of(traces);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      new TraceTables(c, new SpanCompression()).append(List.of(batch));
      try (PreparedStatement ps = c.prepareStatement("UPDATE spans SET span = ? WHERE trace_id = ? AND span_id = ?")) {
        for (Batch.SpanRow row : batch.spans) {
          ps.setBytes(1, row.span.toByteArray());
          ps.setBytes(2, row.traceId);
          ps.setBytes(3, row.spanId);
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
      }
      s.execute("COMMIT");
    }
  }

  /** Closes the test's store and returns a new directory {@code name} for a database made by hand. */
  private Path instead(String name) throws Exception {
    store.close();
    Path other = dir.resolve(name);
    Files.createDirectories(other);
    return other;
  }

  /** Creates the tables of schema version 1 and writes {@code traces} as that version did. */
  private static void writeVersion1(Connection c, Traces traces) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      s.execute("INSERT INTO schema_version VALUES (1)");
      s.execute("CREATE TABLE resources (resource_id BIGINT PRIMARY KEY, service VARCHAR NOT NULL,"
          + " payload BLOB NOT NULL)");
      s.execute("CREATE TABLE resource_attributes (resource_id BIGINT NOT NULL, key VARCHAR NOT NULL,"
          + " value VARCHAR NOT NULL)");
      s.execute("CREATE TABLE scopes (scope_id BIGINT PRIMARY KEY, name VARCHAR NOT NULL,"
          + " version VARCHAR NOT NULL, payload BLOB NOT NULL)");
      s.execute("CREATE TABLE spans (trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_span_id BLOB,"
          + " service VARCHAR NOT NULL, name VARCHAR NOT NULL, kind TINYINT NOT NULL,"
          + " start_ns BIGINT NOT NULL, end_ns BIGINT NOT NULL, duration_ns BIGINT NOT NULL,"
          + " status_code TINYINT NOT NULL, resource_id BIGINT NOT NULL, scope_id BIGINT NOT NULL,"
          + " span BLOB NOT NULL)");
      s.execute("CREATE INDEX spans_by_trace_id ON spans (trace_id)");
      s.execute("CREATE TABLE span_attributes (trace_id BLOB NOT NULL, span_id BLOB NOT NULL,"
          + " start_ns BIGINT NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL)");
      s.execute("CREATE TABLE operations (service VARCHAR NOT NULL, name VARCHAR NOT NULL,"
          + " kind TINYINT NOT NULL, PRIMARY KEY (service, name, kind))");
    }
    Set<Long> headers = new HashSet<>();
    Set<List<Object>> operations = new HashSet<>();
    for (ResourceSpans rs : traces.resourceSpans()) {
      byte[] resource = rs.toBuilder().clearScopeSpans().build().toByteArray();
      long resourceId = Batch.contentId(resource);
      if (headers.add(resourceId)) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO resources VALUES (?, ?, ?)")) {
          ps.setLong(1, resourceId);
          ps.setString(2, Resources.serviceName(rs.getResource()));
          ps.setBytes(3, resource);
          ps.execute();
        }
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        byte[] scope = ss.toBuilder().clearSpans().build().toByteArray();
        long scopeId = Batch.contentId(scope);
        if (headers.add(scopeId)) {
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO scopes VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, scopeId);
            ps.setString(2, ss.getScope().getName());
            ps.setString(3, ss.getScope().getVersion());
            ps.setBytes(4, scope);
            ps.execute();
          }
        }
        for (Span span : ss.getSpansList()) {
          if (operations.add(List.of(Resources.serviceName(rs.getResource()), span.getName(), span.getKindValue()))) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO operations VALUES (?, ?, ?)")) {
              ps.setString(1, Resources.serviceName(rs.getResource()));
              ps.setString(2, span.getName());
              ps.setInt(3, span.getKindValue());
              ps.execute();
            }
          }
        }
      }
    }
    writeVersion1Spans(c, traces);
  }

  private static void writeVersion1Spans(Connection c, Traces traces) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (ResourceSpans rs : traces.resourceSpans()) {
        long resourceId = Batch.contentId(rs.toBuilder().clearScopeSpans().build().toByteArray());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          long scopeId = Batch.contentId(ss.toBuilder().clearSpans().build().toByteArray());
          for (Span span : ss.getSpansList()) {
            ps.setBytes(1, span.getTraceId().toByteArray());
            ps.setBytes(2, span.getSpanId().toByteArray());
            ps.setBytes(3, span.getParentSpanId().isEmpty() ? null : span.getParentSpanId().toByteArray());
            ps.setString(4, Resources.serviceName(rs.getResource()));
            ps.setString(5, span.getName());
            ps.setInt(6, span.getKindValue());
            ps.setLong(7, span.getStartTimeUnixNano());
            ps.setLong(8, span.getEndTimeUnixNano());
            ps.setLong(9, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
            ps.setInt(10, span.getStatus().getCodeValue());
            ps.setLong(11, resourceId);
            ps.setLong(12, scopeId);
            ps.setBytes(13, span.toByteArray());
            ps.execute();
          }
        }
      }
    }
  }

  private static List<String> rows(Statement s, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
