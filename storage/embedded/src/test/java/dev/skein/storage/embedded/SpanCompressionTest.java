package dev.skein.storage.embedded;

import static dev.skein.storage.conformance.TraceAssertions.assertSameSpans;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.conformance.Fixtures;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Span bytes compressed with dictionaries trained on the store's spans: written through the
 * writer's tables into a real DuckDB file, read back through the store. Small thresholds stand in
 * for the 10,000 spans a dictionary is trained on and the million it is used for.
 */
class SpanCompressionTest {
  private static final int SAMPLES = 200;
  private static final long SPANS_PER_DICTIONARY = 2_000;
  private static final int SPANS_PER_TRACE = 4;

  @TempDir
  Path dir;

  private DuckDBConnection connection;
  private SpanCompression compression;
  private TraceTables tables;
  private final Random random = new Random(42);
  private final Map<TraceId, Traces> written = new LinkedHashMap<>();
  private int nextTrace;
  /** Whether new traces' spans have nothing but IDs and times. */
  private boolean bare;

  @BeforeEach
  void open() throws Exception {
    connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(EmbeddedTraceStore.DATABASE_FILE));
    Schema.migrate(connection, dir);
    compression = new SpanCompression(SAMPLES, SPANS_PER_DICTIONARY);
    tables = new TraceTables(connection, compression);
  }

  @AfterEach
  void close() throws SQLException {
    if (!connection.isClosed()) {
      connection.close();
    }
  }

  @Test
  void compressesSpansOnceADictionaryIsTrainedAndReadsEveryRowBack() throws Exception {
    List<TraceId> plain = write(SAMPLES / SPANS_PER_TRACE);
    compression.awaitTraining();
    List<TraceId> first = write(100);
    // Past the spans one dictionary is used for: the next is trained from the latest spans.
    write((int) (SPANS_PER_DICTIONARY / SPANS_PER_TRACE));
    compression.awaitTraining();
    List<TraceId> second = write(50);

    try (Statement s = connection.createStatement()) {
      assertThat(longs(s, "SELECT dictionary_id FROM span_dictionaries ORDER BY 1")).containsExactly(1L, 2L);
      assertThat(dictionaries(s, plain)).containsOnly(-1);
      assertThat(dictionaries(s, first)).containsOnly(1);
      assertThat(dictionaries(s, second)).containsOnly(2);
      long stored = longs(s, "SELECT sum(octet_length(span)) FROM spans WHERE trace_id IN (" + in(second) + ")").get(0);
      long original = 0;
      for (TraceId id : second) {
        for (Span span : spans(written.get(id))) {
          original += Batch.withoutColumns(span.toByteArray()).length;
        }
      }
      assertThat(stored).as("bytes of compressed spans against their protobuf bytes").isLessThan(original / 2);
    }
    connection.close();

    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir).build()) {
      for (Map.Entry<TraceId, Traces> e : written.entrySet()) {
        assertSameSpans(store.trace(e.getKey()).orElseThrow(), e.getValue());
      }
    }
  }

  @Test
  void aReaderReadsADictionaryItHasNotSeenFromTheDatabase() throws Exception {
    write(SAMPLES / SPANS_PER_TRACE);
    compression.awaitTraining();
    TraceId id = write(1).get(0);

    SpanCompression other = new SpanCompression();
    List<byte[]> stored = new ArrayList<>();
    try (Statement s = connection.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT span FROM spans WHERE trace_id = from_hex('" + id.hex() + "') ORDER BY start_ns")) {
        while (rs.next()) {
          stored.add(rs.getBytes(1));
        }
      }
      other.loadFor(stored, s);
    }
    List<Span> expected = spans(written.get(id));
    try (SpanCompression.Decoder decoder = other.decoder()) {
      for (int i = 0; i < stored.size(); i++) {
        assertThat(stored.get(i)[0]).as("compressed").isZero();
        assertThat(decoder.plain(stored.get(i))).isEqualTo(Batch.withoutColumns(expected.get(i).toByteArray()));
      }
    }
  }

  @Test
  void aDictionaryWrittenInATransactionThatRolledBackIsWrittenAgainByTheNext() throws Exception {
    write(SAMPLES / SPANS_PER_TRACE);
    compression.awaitTraining();
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN TRANSACTION");
      tables.append(List.of(Batch.of(trace(Fixtures.traceId(999_999)))));
      s.execute("ROLLBACK");
    }
    tables.reload();
    List<TraceId> after = write(10);

    try (Statement s = connection.createStatement()) {
      assertThat(longs(s, "SELECT dictionary_id FROM span_dictionaries")).containsExactly(1L);
      assertThat(dictionaries(s, after)).containsOnly(1);
    }
    connection.close();
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir).build()) {
      assertThat(store.trace(Fixtures.traceId(999_999))).isEmpty();
      for (TraceId id : after) {
        assertSameSpans(store.trace(id).orElseThrow(), written.get(id));
      }
    }
  }

  @Test
  void spansWithNothingToTrainOnAreStoredAsTheyAre() throws Exception {
    // Nothing but IDs and times, which are columns: the bytes left to store are empty.
    bare = true;
    write(SAMPLES / SPANS_PER_TRACE);
    compression.awaitTraining();
    List<TraceId> after = write(20);

    try (Statement s = connection.createStatement()) {
      assertThat(longs(s, "SELECT count(*) FROM span_dictionaries")).containsExactly(0L);
      assertThat(longs(s, "SELECT DISTINCT octet_length(span) FROM spans WHERE trace_id IN (" + in(after) + ")"))
          .containsExactly(0L);
    }
    connection.close();
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(dir).build()) {
      for (Map.Entry<TraceId, Traces> e : written.entrySet()) {
        assertSameSpans(store.trace(e.getKey()).orElseThrow(), e.getValue());
      }
    }
  }

  /** Writes {@code count} new traces, ten to a transaction, and returns their IDs. */
  private List<TraceId> write(int count) throws SQLException {
    List<TraceId> ids = new ArrayList<>();
    for (int i = 0; i < count; i += 10) {
      Traces.Builder batch = Traces.builder();
      for (int j = i; j < Math.min(count, i + 10); j++) {
        TraceId id = Fixtures.traceId(nextTrace++);
        Traces t = trace(id);
        written.put(id, t);
        ids.add(id);
        t.forEachSpan(batch::add);
      }
      try (Statement s = connection.createStatement()) {
        s.execute("BEGIN TRANSACTION");
        TraceTables.Appended appended = tables.append(List.of(Batch.of(batch.build())));
        s.execute("COMMIT");
        tables.committed(appended);
      }
    }
    return ids;
  }

  /** A trace of four spans with attributes that vary as a service's do. */
  private Traces trace(TraceId id) {
    long start = Fixtures.nowNanos() - 60_000_000_000L;
    Traces.Builder b = Traces.builder();
    for (int i = 0; i < SPANS_PER_TRACE; i++) {
      if (bare) {
        Span.Builder span = Span.newBuilder().setTraceId(id.bytes()).setSpanId(Fixtures.spanId(id, i))
            .setStartTimeUnixNano(start + i).setEndTimeUnixNano(start + i + 1);
        if (i > 0) {
          span.setParentSpanId(Fixtures.spanId(id, 0));
        }
        b.add(Fixtures.resource("bare"), Fixtures.defaultScope(), span.build());
        continue;
      }
      Span span = Fixtures.span(id, Fixtures.spanId(id, i), i == 0 ? null : Fixtures.spanId(id, 0),
              "GET /api/items/" + random.nextInt(20), i == 0 ? SpanKind.SPAN_KIND_SERVER : SpanKind.SPAN_KIND_CLIENT,
              start + i * 1_000_000L, start + (i + 1) * 3_000_000L)
          .addAttributes(Fixtures.str("http.route", "/api/items/" + random.nextInt(40)))
          .addAttributes(Fixtures.str("client.address", "10.0." + random.nextInt(256) + "." + random.nextInt(256)))
          .addAttributes(Fixtures.intAttr("http.response.status_code", random.nextBoolean() ? 200 : 503))
          .addAttributes(Fixtures.str("app.tenant", "tenant-" + random.nextInt(50)))
          .addAllAttributes(random.nextInt(10) == 0 ? Fixtures.attributesOfEveryType() : List.of())
          .build();
      b.add(Fixtures.resource("service-" + random.nextInt(5)), Fixtures.defaultScope(), span);
    }
    return b.build();
  }

  private static List<Span> spans(Traces t) {
    List<Span> out = new ArrayList<>();
    t.forEachSpan((rs, ss, span) -> out.add(span));
    return out;
  }

  /** The dictionary each stored span of {@code ids} names, or -1 for one stored as it is. */
  private static List<Integer> dictionaries(Statement s, List<TraceId> ids) throws SQLException {
    List<Integer> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("SELECT span FROM spans WHERE trace_id IN (" + in(ids) + ")")) {
      while (rs.next()) {
        byte[] span = rs.getBytes(1);
        out.add(span[0] == 0 ? (int) span[1] : -1);
      }
    }
    assertThat(out).hasSize(ids.size() * SPANS_PER_TRACE);
    return out;
  }

  private static String in(List<TraceId> ids) {
    return TraceTables.inList(ids.stream().map(TraceId::hex).toList());
  }

  private static List<Long> longs(Statement s, String sql) throws SQLException {
    List<Long> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
    }
    return out;
  }
}
