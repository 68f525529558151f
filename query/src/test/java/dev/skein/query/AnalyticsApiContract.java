package dev.skein.query;

import static dev.skein.query.QueryApiContract.get;
import static dev.skein.query.QueryApiContract.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.Server;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.query.QueryApiContract.Reply;
import dev.skein.storage.TraceStore;
import dev.skein.storage.conformance.Fixtures;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Skein's analytics endpoints over HTTP against a real store: rate, errors and duration, the
 * explanation of traces whose causes are known (a slow query, a timed-out call, an error deep in
 * the tree, an N+1 fan-out, and a small trace whose critical path and self times are worked out by
 * hand), and the comparison of slow spans with the rest. Every timestamp is relative to the
 * start of the test, so the default windows (the last hour) hold the data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AnalyticsApiContract {
  private static final long MS = 1_000_000L;
  private static final String SLOW_QUERY = "SELECT sku, qty, reserved FROM stock WHERE sku = ?";
  private static final String N_PLUS_ONE = "SELECT * FROM order_items WHERE order_id = ?";

  TraceStore store;
  Server server;
  Server basic;
  /** Now, on a whole minute, in epoch nanoseconds. */
  long now;
  final Map<String, TraceId> traces = new HashMap<>();
  final Map<String, String> spans = new HashMap<>();

  /** Opens an empty store in {@code dir}. */
  abstract TraceStore open(Path dir) throws Exception;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    store = open(dir);
    now = System.currentTimeMillis() / 60_000 * 60_000 * MS;
    List<Traces> batches = new ArrayList<>();
    batches.add(redSpans());
    batches.add(slowQuery());
    batches.add(timeouts());
    batches.add(deepError());
    batches.add(fanOut());
    batches.add(handComputed());
    batches.add(comparePopulation());
    for (Traces t : batches) {
      store.write(t).get(60, TimeUnit.SECONDS);
    }
    server = QueryApiContract.serve(store, QueryLimits.defaults());
    basic = QueryApiContract.serve(new QueryApiContract.BaseReader(store), QueryLimits.defaults());
  }

  @AfterAll
  void stop() {
    for (Server s : new Server[] {server, basic}) {
      if (s != null) {
        s.stop().join();
      }
    }
    if (store != null) {
      store.close();
    }
  }

  // ---------------------------------------------------------------- fixtures

  /** Builds one trace; span start and duration in milliseconds from the trace's start. */
  private final class TraceBuilder {
    final TraceId id;
    final long t0;
    final Traces.Builder out;
    int next;

    TraceBuilder(String name, long seed, long t0, Traces.Builder out) {
      this.id = Fixtures.traceId(seed);
      this.t0 = t0;
      this.out = out;
      if (name != null) {
        traces.put(name, id);
      }
    }

    ByteString span(String service, @Nullable ByteString parent, String name, SpanKind kind, double startMs,
        double durationMs, Consumer<Span.Builder> more) {
      ByteString sid = Fixtures.spanId(id, next++);
      long start = t0 + Math.round(startMs * MS);
      Span.Builder b = Span.newBuilder().setTraceId(id.bytes()).setSpanId(sid).setName(name).setKind(kind)
          .setStartTimeUnixNano(start).setEndTimeUnixNano(start + Math.round(durationMs * MS));
      if (parent != null) {
        b.setParentSpanId(parent);
      }
      more.accept(b);
      out.add(Fixtures.resource(service), Fixtures.defaultScope(), b.build());
      return sid;
    }

    ByteString span(String service, @Nullable ByteString parent, String name, SpanKind kind, double startMs,
        double durationMs) {
      return span(service, parent, name, kind, startMs, durationMs, b -> {});
    }
  }

  private static Consumer<Span.Builder> error(String message) {
    return b -> b.setStatus(Status.newBuilder().setCode(StatusCode.STATUS_CODE_ERROR).setMessage(message));
  }

  private static Consumer<Span.Builder> exception(String type, String message, String stacktrace) {
    return b -> b.addEvents(Span.Event.newBuilder().setTimeUnixNano(b.getEndTimeUnixNano()).setName("exception")
        .addAttributes(Fixtures.str("exception.type", type))
        .addAttributes(Fixtures.str("exception.message", message))
        .addAttributes(Fixtures.str("exception.stacktrace", stacktrace)));
  }

  private static String hex(ByteString id) {
    return Hex.encode(id);
  }

  /** The start of the RED window: 50 minutes ago. */
  private long redStart() {
    return now - Duration.ofMinutes(50).toNanos();
  }

  /**
   * red-svc: five server calls of GET /a (10 to 50 ms, the last one failed) in the first minute,
   * one client call in the second, two server calls of GET /b (100 and 200 ms) in the third.
   */
  private Traces redSpans() {
    Traces.Builder out = Traces.builder();
    long s = redStart();
    for (int i = 0; i < 5; i++) {
      new TraceBuilder(null, 1000 + i, s + (1 + i) * 1_000 * MS, out).span("red-svc", null, "GET /a",
          SpanKind.SPAN_KIND_SERVER, 0, 10 * (i + 1), i == 4 ? error("boom") : b -> {});
    }
    new TraceBuilder(null, 1010, s + 61_000 * MS, out).span("red-svc", null, "call-x", SpanKind.SPAN_KIND_CLIENT, 0, 5);
    new TraceBuilder(null, 1011, s + 121_000 * MS, out).span("red-svc", null, "GET /b", SpanKind.SPAN_KIND_SERVER, 0, 100);
    new TraceBuilder(null, 1012, s + 122_000 * MS, out).span("red-svc", null, "GET /b", SpanKind.SPAN_KIND_SERVER, 0, 200);
    return out.build();
  }

  /**
   * 120 ordinary checkouts over the last hour, the stock query taking 19 to 21 ms, then one whose
   * query takes 800 ms of its 900.
   */
  private Traces slowQuery() {
    Traces.Builder out = Traces.builder();
    for (int i = 0; i < 120; i++) {
      TraceBuilder t = new TraceBuilder(null, 2000 + i, now - Duration.ofMinutes(50).toNanos() + i * 20_000 * MS, out);
      ByteString root = t.span("shop-web", null, "GET /checkout", SpanKind.SPAN_KIND_SERVER, 0, 100);
      ByteString stock = t.span("inventory", root, "GET /stock", SpanKind.SPAN_KIND_SERVER, 10, 50);
      t.span("inventory", stock, SLOW_QUERY, SpanKind.SPAN_KIND_CLIENT, 20, 19 + i % 3);
    }
    TraceBuilder t = new TraceBuilder("slowQuery", 2999, now - Duration.ofMinutes(10).toNanos(), out);
    ByteString root = t.span("shop-web", null, "GET /checkout", SpanKind.SPAN_KIND_SERVER, 0, 900);
    ByteString stock = t.span("inventory", root, "GET /stock", SpanKind.SPAN_KIND_SERVER, 40, 830);
    spans.put("slowQuery", hex(t.span("inventory", stock, SLOW_QUERY, SpanKind.SPAN_KIND_CLIENT, 50, 800)));
    return out.build();
  }

  /**
   * A call that gave up after 2 s with "deadline exceeded" while the server answered in 140 ms,
   * and one whose server side never reported.
   */
  private Traces timeouts() {
    Traces.Builder out = Traces.builder();
    TraceBuilder t = new TraceBuilder("timeout", 3000, now - Duration.ofMinutes(9).toNanos(), out);
    ByteString root = t.span("orders-api", null, "POST /orders", SpanKind.SPAN_KIND_SERVER, 0, 2100, error("504"));
    ByteString call = t.span("orders-api", root, "POST", SpanKind.SPAN_KIND_CLIENT, 50, 2000,
        error("deadline exceeded").andThen(exception("io.grpc.StatusRuntimeException",
            "DEADLINE_EXCEEDED: deadline exceeded after 1.999s", "io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED")));
    spans.put("timeout", hex(call));
    t.span("payment", call, "POST /payments", SpanKind.SPAN_KIND_SERVER, 60, 140);

    TraceBuilder w = new TraceBuilder("timeoutWorking", 3002, now - Duration.ofMinutes(8).toNanos(), out);
    ByteString wroot = w.span("shop-api", null, "POST /checkout", SpanKind.SPAN_KIND_SERVER, 0, 1100, error("504"));
    ByteString wcall = w.span("shop-api", wroot, "POST", SpanKind.SPAN_KIND_CLIENT, 50, 1000,
        error("").andThen(exception("java.net.http.HttpTimeoutException", "request timed out", "")));
    spans.put("timeoutWorking", hex(wcall));
    w.span("billing", wcall, "POST /charges", SpanKind.SPAN_KIND_SERVER, 60, 2400);

    TraceBuilder m = new TraceBuilder("timeoutMissing", 3001, now - Duration.ofMinutes(8).toNanos(), out);
    ByteString mroot = m.span("orders-api", null, "POST /orders", SpanKind.SPAN_KIND_SERVER, 0, 1600, error("504"));
    spans.put("timeoutMissing", hex(m.span("orders-api", mroot, "GET", SpanKind.SPAN_KIND_CLIENT, 20, 1500,
        error("Read timed out"))));
    return out.build();
  }

  /**
   * A failed request whose error starts four levels down, in a query with an exception; a second
   * failure at the same depth comes later. The cache lookup beside it takes most of the time.
   */
  private Traces deepError() {
    Traces.Builder out = Traces.builder();
    TraceBuilder t = new TraceBuilder("deepError", 4000, now - Duration.ofMinutes(7).toNanos(), out);
    ByteString root = t.span("cart-web", null, "GET /cart", SpanKind.SPAN_KIND_SERVER, 0, 300, error("500"));
    ByteString call = t.span("cart-web", root, "GET", SpanKind.SPAN_KIND_CLIENT, 10, 280, error("500"));
    ByteString server = t.span("cart", call, "GET /cart/{id}", SpanKind.SPAN_KIND_SERVER, 20, 260, error(""));
    ByteString load = t.span("cart", server, "load cart", SpanKind.SPAN_KIND_INTERNAL, 30, 240, error(""));
    spans.put("deepError", hex(t.span("cart", load, "SELECT carts", SpanKind.SPAN_KIND_CLIENT, 40, 60,
        error("relation does not exist").andThen(exception("org.postgresql.util.PSQLException",
            "ERROR: relation \"carts\" does not exist",
            "org.postgresql.util.PSQLException: ERROR: relation \"carts\" does not exist\n"
                + "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)")))));
    t.span("cart", load, "cache lookup", SpanKind.SPAN_KIND_INTERNAL, 100, 160);
    t.span("cart", load, "publish audit", SpanKind.SPAN_KIND_INTERNAL, 262, 6, error("audit queue full"));
    return out.build();
  }

  /** N+1: forty 10 ms queries one after another under one handler. */
  private Traces fanOut() {
    Traces.Builder out = Traces.builder();
    TraceBuilder t = new TraceBuilder("fanOut", 5000, now - Duration.ofMinutes(6).toNanos(), out);
    ByteString root = t.span("orders-web", null, "GET /orders", SpanKind.SPAN_KIND_SERVER, 0, 450);
    ByteString list = t.span("orders", root, "GET /orders/list", SpanKind.SPAN_KIND_SERVER, 5, 440);
    for (int i = 0; i < 40; i++) {
      ByteString q = t.span("orders", list, N_PLUS_ONE, SpanKind.SPAN_KIND_CLIENT, 20 + i * 10, 10);
      if (i == 0) {
        spans.put("fanOut", hex(q));
      }
    }
    return out.build();
  }

  /**
   * A (0-100) has B (10-50, with D 20-40) and C (30-90, with E 60-95, ending after C).
   * Self times: A 20 (B and C cover 10-90), B 20, C 30 (E covers 60-90), D 20, E 35. The critical
   * path from A's end: A 90-100, C (the child ending last), E 60-90 (its end clipped to C's),
   * C 30-60, then A 0-30, since B ended after C started. B and D are off the path.
   */
  private Traces handComputed() {
    Traces.Builder out = Traces.builder();
    TraceBuilder t = new TraceBuilder("hand", 6000, now - Duration.ofMinutes(5).toNanos(), out);
    ByteString a = t.span("calc", null, "A", SpanKind.SPAN_KIND_SERVER, 0, 100);
    ByteString b = t.span("calc", a, "B", SpanKind.SPAN_KIND_INTERNAL, 10, 40);
    ByteString c = t.span("calc", a, "C", SpanKind.SPAN_KIND_INTERNAL, 30, 60);
    ByteString d = t.span("calc", b, "D", SpanKind.SPAN_KIND_INTERNAL, 20, 20);
    ByteString e = t.span("calc", c, "E", SpanKind.SPAN_KIND_INTERNAL, 60, 35);
    spans.put("A", hex(a));
    spans.put("B", hex(b));
    spans.put("C", hex(c));
    spans.put("D", hex(d));
    spans.put("E", hex(e));
    return out.build();
  }

  /** The start of the compare window: 30 minutes ago; it lasts 10 minutes. */
  private long compareStart() {
    return now - Duration.ofMinutes(30).toNanos();
  }

  /**
   * billing-cmp POST /pay, 100 spans: the first 30 are slow (600 ms) and all of them free tier;
   * 10 more free-tier spans are fast; 25 fast ones share the slow ones' app.items=40.
   */
  private Traces comparePopulation() {
    Traces.Builder out = Traces.builder();
    for (int i = 0; i < 100; i++) {
      int n = i;
      new TraceBuilder(null, 7000 + i, compareStart() + i * 5_000 * MS, out).span("billing-cmp", null, "POST /pay",
          SpanKind.SPAN_KIND_SERVER, 0, n < 30 ? 600 : 50, b -> b
              .addAttributes(Fixtures.str("user.tier", n < 40 ? "free" : "paid"))
              .addAttributes(Fixtures.str("region", n % 2 == 0 ? "eu west" : "us"))
              .addAttributes(Fixtures.intAttr("app.items", n < 30 || (n >= 40 && n < 65) ? 40 : 3)));
    }
    return out.build();
  }

  // ---------------------------------------------------------------- RED

  @Test
  void redGroupsByOperationWithTotalsAndPoints() throws Exception {
    long s = redStart();
    Reply r = get(server, "/api/skein/red?service=red-svc&spanKind=server&groupBy=operation&step=1m&start="
        + s / 1000 + "&end=" + (s + Duration.ofMinutes(3).toNanos()) / 1000);

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode j = r.json();
    assertThat(j.get("start").asLong()).isEqualTo(s / MS);
    assertThat(j.get("end").asLong()).isEqualTo(s / MS + 180_000);
    assertThat(j.get("stepMs").asLong()).isEqualTo(60_000);
    assertThat(j.get("groups")).extracting(g -> g.get("service").asText() + " " + g.get("operation").asText())
        .containsExactly("red-svc GET /a", "red-svc GET /b");
    JsonNode a = j.at("/groups/0/totals");
    assertThat(a.get("calls").asLong()).isEqualTo(5);
    assertThat(a.get("errors").asLong()).isEqualTo(1);
    assertThat(a.get("errorRate").asDouble()).isEqualTo(0.2);
    assertThat(a.get("ratePerSecond").asDouble()).isCloseTo(5 / 180.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(a.get("p50Ms").asDouble()).isEqualTo(30.0);
    assertThat(a.get("p95Ms").asDouble()).isEqualTo(50.0);
    assertThat(a.get("p99Ms").asDouble()).isEqualTo(50.0);
    assertThat(a.get("maxMs").asDouble()).isEqualTo(50.0);
    JsonNode points = j.at("/groups/0/points");
    assertThat(points).hasSize(1);
    assertThat(points.at("/0/t").asLong()).isEqualTo(s / MS);
    assertThat(points.at("/0/calls").asLong()).isEqualTo(5);
    assertThat(points.at("/0/errors").asLong()).isEqualTo(1);
    assertThat(points.at("/0/p50Ms").asDouble()).isEqualTo(30.0);
    JsonNode b = j.at("/groups/1");
    assertThat(b.at("/totals/calls").asLong()).isEqualTo(2);
    assertThat(b.at("/totals/maxMs").asDouble()).isEqualTo(200.0);
    assertThat(b.get("points")).extracting(p -> p.get("t").asLong()).containsExactly(s / MS + 120_000);
  }

  @Test
  void redGroupsByServiceAndSplitsTheWindowIntoSixtyBuckets() throws Exception {
    long s = redStart();
    Reply r = get(server, "/api/skein/red?service=red-svc&start=" + s / 1000 + "&end="
        + (s + Duration.ofMinutes(3).toNanos()) / 1000);

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("stepMs").asLong()).isEqualTo(3_000);
    assertThat(r.json().get("groups")).hasSize(1);
    JsonNode g = r.json().at("/groups/0");
    assertThat(g.get("service").asText()).isEqualTo("red-svc");
    assertThat(g.get("operation").isNull()).isTrue();
    assertThat(g.at("/totals/calls").asLong()).isEqualTo(8);
    // GET /a at 1 to 5 s, call-x at 61 s, GET /b at 121 and 122 s: buckets 0, 1, 20 and 40.
    assertThat(g.get("points")).extracting(p -> p.get("calls").asLong()).containsExactly(2L, 3L, 1L, 2L);
    assertThat(g.get("points")).extracting(p -> p.get("t").asLong()).containsExactly(s / MS, s / MS + 3_000,
        s / MS + 60_000, s / MS + 120_000);
  }

  @Test
  void redCoversTheLastHourByDefault() throws Exception {
    Reply r = get(server, "/api/skein/red?service=red-svc");

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("end").asLong() - r.json().get("start").asLong()).isEqualTo(3_600_000);
    assertThat(r.json().get("stepMs").asLong()).isEqualTo(60_000);
    assertThat(r.json().at("/groups/0/totals/calls").asLong()).isEqualTo(8);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "groupBy=host # parameter groupBy: \"host\" (expected: service or operation)",
      "step=fast # parameter step: \"fast\" (expected: a duration such as 100ms",
      "step=0s # parameter step: \"0s\" (expected: a positive duration",
      "step=1ms # parameter step: \"1ms\" (expected: at most 10000 buckets",
      "start=2000000&end=1000000 # parameter end: 1000000 (expected: after start, 2000000)",
      "start=x # parameter start: \"x\" (expected: microseconds since the epoch)",
      "spanKind=sideways # parameter spanKind: \"sideways\" (expected: server, client, producer, consumer or internal)",
  })
  void redRefusesBadParametersNamingThem(String query, String message) throws Exception {
    Reply r = get(server, "/api/skein/red?" + QueryApiContract.encodeValues(query));

    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.json().at("/errors/0/msg").asText()).contains(message);
  }

  // ---------------------------------------------------------------- explain

  private JsonNode explain(String trace) throws Exception {
    Reply r = get(server, "/api/skein/traces/" + traces.get(trace).hex() + "/explain");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private static JsonNode span(JsonNode explanation, String spanId) {
    for (JsonNode s : explanation.get("spans")) {
      if (s.get("spanID").asText().equals(spanId)) {
        return s;
      }
    }
    throw new AssertionError("no span " + spanId);
  }

  @Test
  void explainsASlowQueryAgainstItsBaseline() throws Exception {
    JsonNode x = explain("slowQuery");

    assertThat(x.get("traceID").asText()).isEqualTo(traces.get("slowQuery").hex());
    assertThat(x.get("durationMs").asDouble()).isEqualTo(900.0);
    assertThat(x.get("spanCount").asInt()).isEqualTo(3);
    assertThat(x.get("rootService").asText()).isEqualTo("shop-web");
    assertThat(x.get("rootOperation").asText()).isEqualTo("GET /checkout");
    assertThat(x.at("/baselineWindow/end").asLong() - x.at("/baselineWindow/start").asLong()).isEqualTo(3_600_000);
    JsonNode cause = x.at("/causes/0");
    assertThat(cause.get("kind").asText()).isEqualTo("slow_span");
    assertThat(cause.get("spanID").asText()).isEqualTo(spans.get("slowQuery"));
    assertThat(cause.get("service").asText()).isEqualTo("inventory");
    assertThat(cause.get("operation").asText()).isEqualTo(SLOW_QUERY);
    assertThat(cause.get("text").asText()).isEqualTo("inventory `SELECT … FROM stock WHERE sku = ?` took 800 ms,"
        + " 89% of the request and 40× its usual p50 (20 ms)");
    JsonNode query = span(x, spans.get("slowQuery"));
    assertThat(query.get("durationMs").asDouble()).isEqualTo(800.0);
    assertThat(query.get("criticalMs").asDouble()).isEqualTo(800.0);
    assertThat(query.get("onCriticalPath").asBoolean()).isTrue();
    // The other orders' 120 queries; the explained one is not in its own baseline.
    assertThat(query.at("/baseline/count").asLong()).isEqualTo(120);
    assertThat(query.at("/baseline/p50Ms").asDouble()).isEqualTo(20.0);
    assertThat(query.at("/baseline/p99Ms").asDouble()).isEqualTo(21.0);
    assertThat(query.at("/baseline/percentileRank").asInt()).isEqualTo(100);
    assertThat(x.at("/errors/count").asInt()).isZero();
    assertThat(x.at("/errors/origin").isNull()).isTrue();
    assertThat(x.get("warnings")).isEmpty();
  }

  @Test
  void explainsATimedOutCall() throws Exception {
    JsonNode x = explain("timeout");

    JsonNode cause = x.at("/causes/0");
    assertThat(cause.get("kind").asText()).isEqualTo("timeout");
    assertThat(cause.get("spanID").asText()).isEqualTo(spans.get("timeout"));
    assertThat(cause.get("service").asText()).isEqualTo("orders-api");
    assertThat(cause.get("operation").asText()).isEqualTo("POST");
    assertThat(cause.get("text").asText()).isEqualTo("orders-api POST timed out after 2 s (\"deadline exceeded\"),"
        + " 95% of the request; the called side, payment POST /payments, took only 140 ms");
    assertThat(x.at("/errors/count").asInt()).isEqualTo(2);
    assertThat(x.at("/errors/origin/spanID").asText()).isEqualTo(spans.get("timeout"));
    assertThat(x.at("/errors/origin/statusMessage").asText()).isEqualTo("deadline exceeded");
    // The trace is alone in its baseline window, and is left out of its own baselines.
    assertThat(x.get("warnings")).extracting(JsonNode::asText).contains("no baseline for payment POST /payments:"
        + " no span of it in the baseline window");
    assertThat(span(x, spans.get("timeout")).get("baseline").isNull()).isTrue();

    // The caller gave up while the called side was still working: a timeout all the same.
    JsonNode working = explain("timeoutWorking").at("/causes/0");
    assertThat(working.get("kind").asText()).isEqualTo("timeout");
    assertThat(working.get("spanID").asText()).isEqualTo(spans.get("timeoutWorking"));
    assertThat(working.get("text").asText()).isEqualTo("shop-api POST timed out after 1 s"
        + " (\"request timed out\"), 91% of the request; the called side, billing POST /charges,"
        + " took 2.4 s and was still working 1.41 s after the caller gave up");

    JsonNode missing = explain("timeoutMissing").at("/causes/0");
    assertThat(missing.get("kind").asText()).isEqualTo("timeout");
    assertThat(missing.get("spanID").asText()).isEqualTo(spans.get("timeoutMissing"));
    assertThat(missing.get("text").asText()).isEqualTo("orders-api GET timed out after 1.5 s (\"Read timed out\"),"
        + " 94% of the request; no span of the called side was received");
  }

  @Test
  void explainsAnErrorDeepInTheTree() throws Exception {
    JsonNode x = explain("deepError");

    JsonNode cause = x.at("/causes/0");
    assertThat(cause.get("kind").asText()).isEqualTo("error");
    assertThat(cause.get("spanID").asText()).isEqualTo(spans.get("deepError"));
    assertThat(cause.get("service").asText()).isEqualTo("cart");
    assertThat(cause.get("text").asText()).isEqualTo("cart `SELECT carts` failed with org.postgresql.util.PSQLException:"
        + " ERROR: relation \"carts\" does not exist, the deepest of 6 spans with status ERROR");
    assertThat(x.at("/errors/count").asInt()).isEqualTo(6);
    JsonNode origin = x.at("/errors/origin");
    assertThat(origin.get("spanID").asText()).isEqualTo(spans.get("deepError"));
    assertThat(origin.get("operation").asText()).isEqualTo("SELECT carts");
    assertThat(origin.get("statusMessage").asText()).isEqualTo("relation does not exist");
    assertThat(origin.at("/exception/type").asText()).isEqualTo("org.postgresql.util.PSQLException");
    assertThat(origin.at("/exception/message").asText()).isEqualTo("ERROR: relation \"carts\" does not exist");
    assertThat(origin.at("/exception/stacktrace").asText())
        .contains("\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse");
    assertThat(x.get("causes")).extracting(c -> c.get("kind").asText()).contains("slow_span");
  }

  @Test
  void explainsAnNPlusOneFanOut() throws Exception {
    JsonNode x = explain("fanOut");

    JsonNode cause = x.at("/causes/0");
    assertThat(cause.get("kind").asText()).isEqualTo("fan_out");
    assertThat(cause.get("spanID").asText()).isEqualTo(spans.get("fanOut"));
    assertThat(cause.get("service").asText()).isEqualTo("orders");
    assertThat(cause.get("operation").asText()).isEqualTo(N_PLUS_ONE);
    assertThat(cause.get("text").asText()).isEqualTo("orders `SELECT … order_items WHERE order_id = ?` ran 40 times"
        + " under orders GET /orders/list, one after another: 400 ms in all, 91% of its parent and 89% of the"
        + " request (10 ms a call on average)");
    assertThat(x.get("spanCount").asInt()).isEqualTo(42);
    // The root and the handler before and after the queries, and each of the 40 queries.
    assertThat(x.get("criticalPath")).hasSize(44);
  }

  @Test
  void computesSelfTimesAndTheCriticalPathOfASmallTrace() throws Exception {
    JsonNode x = explain("hand");

    assertThat(x.get("spans")).extracting(s -> s.get("operation").asText()).containsExactly("A", "B", "D", "C", "E");
    Map<String, String> expected = Map.of("A", "0 100 20 40 true", "B", "10 40 20 0 false", "C", "30 60 30 30 true",
        "D", "20 20 20 0 false", "E", "60 35 35 30 true");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      JsonNode s = span(x, spans.get(e.getKey()));
      assertThat(s.get("startMs").asLong() + " " + s.get("durationMs").asLong() + " " + s.get("selfMs").asLong() + " "
          + s.get("criticalMs").asLong() + " " + s.get("onCriticalPath").asBoolean()).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(span(x, spans.get("A")).get("parentSpanID").isNull()).isTrue();
    assertThat(span(x, spans.get("E")).get("parentSpanID").asText()).isEqualTo(spans.get("C"));
    assertThat(x.get("criticalPath")).extracting(s -> s.get("operation").asText() + " " + s.get("startMs").asLong()
        + "-" + s.get("endMs").asLong()).containsExactly("A 0-30", "C 30-60", "E 60-90", "A 90-100");
  }

  @Test
  void explainUsesTheGivenBaselineWindow() throws Exception {
    long end = now - Duration.ofMinutes(30).toNanos();
    Reply r = get(server, "/api/skein/traces/" + traces.get("slowQuery").hex() + "/explain?baselineStart="
        + (end - Duration.ofMinutes(30).toNanos()) / 1000 + "&baselineEnd=" + end / 1000);

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().at("/baselineWindow/start").asLong()).isEqualTo((end - Duration.ofMinutes(30).toNanos()) / MS);
    assertThat(r.json().at("/baselineWindow/end").asLong()).isEqualTo(end / MS);
    // The first 60 ordinary checkouts fall in that half hour; the slow one does not.
    assertThat(span(r.json(), spans.get("slowQuery")).at("/baseline/count").asLong()).isEqualTo(60);
    assertThat(r.json().at("/causes/0/text").asText()).endsWith("and 40× its usual p50 (20 ms)");

    Reply none = get(server, "/api/skein/traces/" + traces.get("hand").hex() + "/explain?baselineEnd=" + end / 1000);
    assertThat(none.json().at("/baselineWindow/start").asLong()).isEqualTo((end - Duration.ofHours(1).toNanos()) / MS);
    assertThat(none.json().get("warnings")).extracting(JsonNode::asText).contains("no baseline for calc A: no span of"
        + " it in the baseline window");
    assertThat(span(none.json(), spans.get("A")).get("baseline").isNull()).isTrue();
  }

  @Test
  void explainAnswers404ForAMissingTraceAnd400ForBadParameters() throws Exception {
    Reply missing = get(server, "/api/skein/traces/0af7651916cd43dd8448eb211c80319c/explain");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().at("/errors/0/msg").asText()).contains("trace not found: 0af7651916cd43dd8448eb211c80319c");

    Reply bad = get(server, "/api/skein/traces/" + traces.get("hand").hex() + "/explain?baselineStart=soon");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().at("/errors/0/msg").asText()).contains("parameter baselineStart: \"soon\"");

    Reply backwards = get(server, "/api/skein/traces/" + traces.get("hand").hex()
        + "/explain?baselineStart=2000000&baselineEnd=1000000");
    assertThat(backwards.status()).isEqualTo(400);
    assertThat(backwards.json().at("/errors/0/msg").asText()).contains("parameter baselineEnd: 1000000 (expected: after"
        + " baselineStart, 2000000)");
  }

  // ---------------------------------------------------------------- compare

  private Reply post(Server s, String path, String body) throws Exception {
    HttpResponse<byte[]> r = QueryApiContract.HTTP.send(HttpRequest.newBuilder(URI.create(url(s, path)))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
  }

  private String compareBody(String selection, String more) {
    return "{\"service\": \"billing-cmp\", \"operation\": \"POST /pay\", \"start\": " + compareStart() / 1000
        + ", \"end\": " + (compareStart() + Duration.ofMinutes(10).toNanos()) / 1000 + ", \"selection\": " + selection
        + more + "}";
  }

  @Test
  void compareRanksTheAttributeOfTheSlowSpansFirst() throws Exception {
    Reply r = post(server, "/api/skein/compare", compareBody("{\"minDuration\": \"500ms\"}", ", \"limit\": 5"));

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode j = r.json();
    assertThat(j.get("selectionSpans").asLong()).isEqualTo(30);
    assertThat(j.get("baselineSpans").asLong()).isEqualTo(70);
    assertThat(j.get("attributes").size()).isBetween(2, 5);
    JsonNode first = j.at("/attributes/0");
    assertThat(first.get("scope").asText()).isEqualTo("span");
    assertThat(first.get("key").asText()).isEqualTo("user.tier");
    assertThat(first.get("value").asText()).isEqualTo("free");
    assertThat(first.get("selectionCount").asLong()).isEqualTo(30);
    assertThat(first.get("baselineCount").asLong()).isEqualTo(10);
    assertThat(first.get("selectionShare").asDouble()).isEqualTo(1.0);
    assertThat(first.get("baselineShare").asDouble()).isCloseTo(10 / 70.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(first.get("difference").asDouble()).isCloseTo(1 - 10 / 70.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(first.at("/filter/tag").asText()).isEqualTo("user.tier=free");
    assertThat(first.at("/filter/traceql").asText()).isEqualTo("{ span.user.tier = \"free\" }");
    JsonNode second = j.at("/attributes/1");
    assertThat(second.get("key").asText() + "=" + second.get("value").asText()).isEqualTo("app.items=40");
    assertThat(second.at("/filter/traceql").asText()).isEqualTo("{ span.app.items = 40 }");
  }

  @Test
  void compareFiltersQuoteWhatNeedsQuoting() throws Exception {
    Reply r = post(server, "/api/skein/compare", compareBody("{\"minDuration\": \"500ms\"}", ", \"limit\": 100"));

    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonNode region = null;
    for (JsonNode a : r.json().get("attributes")) {
      if (a.get("key").asText().equals("region") && a.get("value").asText().equals("eu west")) {
        region = a;
      }
    }
    assertThat(region).isNotNull();
    assertThat(region.at("/filter/tag").asText()).isEqualTo("region=\"eu west\"");
    assertThat(region.at("/filter/traceql").asText()).isEqualTo("{ span.region = \"eu west\" }");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "{\"start\": 1, \"end\": 2, \"selection\": {\"errorsOnly\": true}, \"colour\": 1} # field colour: unknown (expected: service, operation, start, end, selection, limit)",
      "{\"end\": 2, \"selection\": {\"errorsOnly\": true}} # field start: missing (expected: microseconds since the epoch)",
      "{\"start\": 1, \"selection\": {\"errorsOnly\": true}} # field end: missing",
      "{\"start\": \"yesterday\", \"end\": 2, \"selection\": {\"errorsOnly\": true}} # field start: \"yesterday\" (expected: microseconds since the epoch)",
      "{\"start\": 5, \"end\": 2, \"selection\": {\"errorsOnly\": true}} # field end: 2 (expected: after start, 5)",
      "{\"start\": 1, \"end\": 2, \"selection\": {\"minDuration\": \"fast\"}} # field selection.minDuration: \"fast\" (expected: a duration such as 100ms, 1.5s or 1h30m)",
      "{\"start\": 1, \"end\": 2, \"selection\": {}} # field selection: no condition set",
      "{\"start\": 1, \"end\": 2, \"selection\": {\"errorsOnly\": false}} # field selection: no condition set",
      "{\"start\": 1, \"end\": 2} # field selection: missing",
      "{\"start\": 1, \"end\": 2, \"selection\": {\"slow\": true}} # field selection.slow: unknown",
      "{\"start\": 1, \"end\": 2, \"selection\": {\"errorsOnly\": true}, \"limit\": 500} # field limit: 500 (expected: an integer from 1 to 100)",
      "[1] # request body: array (expected: a JSON object",
      "{nope # request body: not JSON",
  })
  void compareRefusesBadBodiesNamingTheField(String body, String message) throws Exception {
    Reply r = post(server, "/api/skein/compare", body);

    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.json().at("/errors/0/msg").asText()).contains(message);
  }

  @Test
  void compareAnswersOnlyPost() throws Exception {
    assertThat(get(server, "/api/skein/compare").status()).isEqualTo(405);
  }

  // ---------------------------------------------------------------- capabilities

  @Test
  void aStoreWithoutAnalyticsAnswers501ButStillExplains() throws Exception {
    Reply red = get(basic, "/api/skein/red");
    assertThat(red.status()).isEqualTo(501);
    assertThat(red.json().at("/errors/0/msg").asText()).contains("capability ANALYTICS");
    Reply compare = post(basic, "/api/skein/compare", compareBody("{\"errorsOnly\": true}", ""));
    assertThat(compare.status()).isEqualTo(501);
    assertThat(compare.json().at("/errors/0/msg").asText()).contains("capability ANALYTICS");

    Reply explain = get(basic, "/api/skein/traces/" + traces.get("slowQuery").hex() + "/explain");
    assertThat(explain.status()).as(explain.text()).isEqualTo(200);
    assertThat(explain.json().at("/warnings/0").asText()).contains("capability ANALYTICS");
    assertThat(explain.json().at("/causes/0/spanID").asText()).isEqualTo(spans.get("slowQuery"));
    assertThat(explain.json().at("/causes/0/text").asText()).isEqualTo("inventory `SELECT … FROM stock WHERE sku = ?`"
        + " took 800 ms, 89% of the request (no baseline to compare with)");
    assertThat(span(explain.json(), spans.get("slowQuery")).get("baseline").isNull()).isTrue();
  }
}
