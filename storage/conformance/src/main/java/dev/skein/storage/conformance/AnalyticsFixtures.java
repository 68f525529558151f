package dev.skein.storage.conformance;

import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The spans the analytics tests run on, each span a trace of its own. Times are offsets from a
 * base {@code t0}; the tests query the window [{@code t0}, {@code t0 + 10m}).
 *
 * <p>{@link #red}: in the first five minutes, {@code checkout} {@code POST /pay} (server) takes
 * 1, 2, ... 100 ms, every tenth an error, the first starting exactly at {@code t0}, and
 * {@code checkout} {@code SELECT orders} (client) takes 3 ms five times, once with an error. In
 * the second five minutes, the first exactly at {@code t0 + 5m}, {@code POST /pay} takes 10, 20,
 * ... 200 ms and {@code frontend} {@code GET /} (server) 7, 8 and 9 ms. Two slow
 * {@code POST /pay} spans start just outside the window: 1 ns before it and exactly at its end.
 *
 * <p>{@link #compare}: {@code shop} {@code GET /checkout}, 20 slow spans (900 ms) and 80 fast ones
 * (50 ms). {@code user.tier} is {@code free} on 19 slow spans (the first of them carries it
 * twice) and on 8 fast ones, {@code paid} elsewhere. {@code http.response.status_code} is 504 on
 * the first five slow spans and 200 elsewhere. Every span has an array attribute
 * {@code app.tags}, which comparisons leave out. The slow spans and the first 30 fast ones run on
 * the resource with {@code host.name} {@code node-1}, the rest on {@code node-2}. The first six
 * slow spans and two fast ones (on {@code node-2}) are errors. A {@code GET /health} span and a
 * {@code GET /checkout} span starting at the window's end, both {@code free}, are outside the
 * population.
 */
final class AnalyticsFixtures {
  static final String CHECKOUT = "checkout";
  static final String FRONTEND = "frontend";
  static final String PAY = "POST /pay";
  static final String SELECT = "SELECT orders";
  static final String HOME = "GET /";
  static final String SHOP = "shop";
  static final String SHOP_CHECKOUT = "GET /checkout";
  static final Duration WINDOW = Duration.ofMinutes(10);
  static final Duration STEP = Duration.ofMinutes(5);

  /** The trace of the frontend's slowest span (9 ms) in {@link #red}. */
  static final TraceId SLOWEST_HOME = Fixtures.traceId(50_127);

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  private AnalyticsFixtures() {}

  /** The spans of the rate, errors and duration tests. */
  static Traces red(long t0) {
    Traces.Builder b = Traces.builder();
    ResourceSpans checkout = Fixtures.resource(CHECKOUT);
    ResourceSpans frontend = Fixtures.resource(FRONTEND);
    long seed = 50_000;
    for (int i = 1; i <= 100; i++) {
      b.add(checkout, Fixtures.defaultScope(), span(seed++, PAY, SpanKind.SPAN_KIND_SERVER,
          t0 + (i - 1) * SECOND, i * MS, i % 10 == 0, List.of()));
    }
    for (int i = 0; i < 5; i++) {
      b.add(checkout, Fixtures.defaultScope(), span(seed++, SELECT, SpanKind.SPAN_KIND_CLIENT,
          t0 + (10 + i) * SECOND, 3 * MS, i == 0, List.of()));
    }
    long second = t0 + STEP.toNanos();
    for (int i = 1; i <= 20; i++) {
      b.add(checkout, Fixtures.defaultScope(), span(seed++, PAY, SpanKind.SPAN_KIND_SERVER,
          second + (i - 1) * SECOND, i * 10 * MS, false, List.of()));
    }
    for (int i = 7; i <= 9; i++) {
      b.add(frontend, Fixtures.defaultScope(), span(seed++, HOME, SpanKind.SPAN_KIND_SERVER,
          second + i * SECOND, i * MS, false, List.of()));
    }
    b.add(checkout, Fixtures.defaultScope(), span(seed++, PAY, SpanKind.SPAN_KIND_SERVER, t0 - 1,
        1_000 * MS, true, List.of()));
    b.add(checkout, Fixtures.defaultScope(), span(seed, PAY, SpanKind.SPAN_KIND_SERVER,
        t0 + WINDOW.toNanos(), 1_000 * MS, true, List.of()));
    return b.build();
  }

  /** The spans of the comparison tests. */
  static Traces compare(long t0) {
    Traces.Builder b = Traces.builder();
    ResourceSpans node1 = shopResource("node-1");
    ResourceSpans node2 = shopResource("node-2");
    long seed = 60_000;
    for (int i = 0; i < 20; i++) {
      List<KeyValue> attributes = new ArrayList<>();
      attributes.add(Fixtures.str("user.tier", i < 19 ? "free" : "paid"));
      if (i == 0) {
        attributes.add(Fixtures.str("user.tier", "free"));
      }
      attributes.add(Fixtures.intAttr("http.response.status_code", i < 5 ? 504 : 200));
      attributes.add(tags());
      b.add(node1, Fixtures.defaultScope(), span(seed++, SHOP_CHECKOUT, SpanKind.SPAN_KIND_SERVER,
          t0 + i * 20 * SECOND, 900 * MS, i < 6, attributes));
    }
    for (int i = 0; i < 80; i++) {
      List<KeyValue> attributes = List.of(Fixtures.str("user.tier", i < 8 ? "free" : "paid"),
          Fixtures.intAttr("http.response.status_code", 200), tags());
      b.add(i < 30 ? node1 : node2, Fixtures.defaultScope(), span(seed++, SHOP_CHECKOUT,
          SpanKind.SPAN_KIND_SERVER, t0 + i * 5 * SECOND + SECOND / 2, 50 * MS, i >= 78, attributes));
    }
    b.add(node1, Fixtures.defaultScope(), span(seed++, "GET /health", SpanKind.SPAN_KIND_SERVER,
        t0 + SECOND, 900 * MS, false, List.of(Fixtures.str("user.tier", "free"))));
    b.add(node1, Fixtures.defaultScope(), span(seed, SHOP_CHECKOUT, SpanKind.SPAN_KIND_SERVER,
        t0 + WINDOW.toNanos(), 900 * MS, false, List.of(Fixtures.str("user.tier", "free"))));
    return b.build();
  }

  private static ResourceSpans shopResource(String host) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(Fixtures.str("service.name", SHOP))
            .addAttributes(Fixtures.str("host.name", host)))
        .build();
  }

  private static KeyValue tags() {
    return Fixtures.kv("app.tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
        .addValues(AnyValue.newBuilder().setStringValue("free"))).build());
  }

  private static Span span(long seed, String name, SpanKind kind, long start, long durationNanos,
      boolean error, List<KeyValue> attributes) {
    TraceId traceId = Fixtures.traceId(seed);
    return Fixtures.span(traceId, Fixtures.spanId(traceId, 0), null, name, kind, start, start + durationNanos)
        .addAllAttributes(attributes)
        .setStatus(Status.newBuilder().setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_OK))
        .build();
  }
}
