package dev.skein.components.spanmetrics;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.skein.components.metrics.internal.AttributeValues;
import dev.skein.components.metrics.internal.TestSpans;
import dev.skein.model.Metrics;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SpanMetricsAggregatorTest {
  final TestSpans.Clock clock = new TestSpans.Clock();

  SpanMetricsAggregator aggregator(String yaml) throws Exception {
    SpanMetricsConfig c = TestSpans.bind(yaml, new SpanMetricsConfig());
    assertThat(c.validate()).isEmpty();
    return new SpanMetricsAggregator(c, clock);
  }

  static TestSpans checkoutAndDb() {
    return new TestSpans()
        .service("checkout")
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 1_000)
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 5_000)
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_ERROR, 812_000)
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 2_000)
        .service("orders-db")
        .span("SELECT orders", SPAN_KIND_CLIENT, STATUS_CODE_UNSET, 16_000_000);
  }

  @Test
  void callsAndDurationsPerServiceSpanKindAndStatusWithTheDefaultBuckets() throws Exception {
    SpanMetricsAggregator a = aggregator("{}");
    a.record(checkoutAndDb().build());
    Metrics m = a.collect();

    assertThat(m.resourceMetrics()).hasSize(1);
    assertThat(m.resourceMetrics().get(0).getResource().getAttributesList()).isEmpty();
    assertThat(m.resourceMetrics().get(0).getScopeMetrics(0).getScope().getName()).isEqualTo("spanmetricsconnector");
    Metric calls = metric(m, "traces.span.metrics.calls");
    assertThat(calls.getSum().getIsMonotonic()).isTrue();
    assertThat(calls.getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    assertThat(sums(calls)).containsOnly(
        entry("service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_UNSET", 3L),
        entry("service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR", 1L),
        entry("service.name=orders-db,span.name=SELECT orders,span.kind=SPAN_KIND_CLIENT,status.code=STATUS_CODE_UNSET", 1L));

    Metric duration = metric(m, "traces.span.metrics.duration");
    assertThat(duration.getUnit()).isEqualTo("ms");
    HistogramDataPoint ok = histogram(duration,
        "service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_UNSET");
    assertThat(ok.getExplicitBoundsList()).containsExactly(
        2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1400.0, 2000.0, 5000.0, 10000.0, 15000.0);
    // 1 ms and exactly 2 ms fall in (0, 2]; 5 ms in (4, 6].
    assertThat(ok.getBucketCountsList()).containsExactly(2L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
    assertThat(ok.getCount()).isEqualTo(3);
    assertThat(ok.getSum()).isEqualTo(8.0);
    HistogramDataPoint error = histogram(duration,
        "service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR");
    assertThat(error.getBucketCountsList().get(10)).isEqualTo(1L); // 812 ms in (800, 1000]
    HistogramDataPoint slow = histogram(duration,
        "service.name=orders-db,span.name=SELECT orders,span.kind=SPAN_KIND_CLIENT,status.code=STATUS_CODE_UNSET");
    assertThat(slow.getBucketCountsList().get(16)).isEqualTo(1L); // 16 s is past the last bound
    assertThat(slow.getSum()).isEqualTo(16_000.0);
  }

  @Test
  void countsAreCumulativeAcrossFlushesWithAFixedStartTime() throws Exception {
    SpanMetricsAggregator a = aggregator("{}");
    a.record(checkoutAndDb().build());
    Metrics first = a.collect();
    clock.advanceSeconds(15);
    a.record(checkoutAndDb().build());
    Metrics second = a.collect();
    NumberDataPoint p = metric(second, "traces.span.metrics.calls").getSum().getDataPointsList().stream()
        .filter(d -> key(d.getAttributesList()).contains("orders-db")).findFirst().orElseThrow();
    assertThat(p.getAsInt()).isEqualTo(2);
    assertThat(p.getStartTimeUnixNano()).isEqualTo(TestSpans.T0);
    assertThat(p.getTimeUnixNano()).isEqualTo(TestSpans.T0 + 15_000_000_000L);
    assertThat(first.dataPointCount()).isEqualTo(second.dataPointCount());
  }

  @Test
  void deltaTemporalityResetsAfterEachFlush() throws Exception {
    SpanMetricsAggregator a = aggregator("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    a.record(checkoutAndDb().build());
    a.collect();
    clock.advanceSeconds(10);
    a.record(new TestSpans().service("orders-db").span("SELECT orders", SPAN_KIND_CLIENT, STATUS_CODE_UNSET, 1).build());
    Metrics m = a.collect();
    Metric calls = metric(m, "traces.span.metrics.calls");
    assertThat(calls.getSum().getAggregationTemporality()).isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    assertThat(sums(calls)).containsOnly(
        entry("service.name=orders-db,span.name=SELECT orders,span.kind=SPAN_KIND_CLIENT,status.code=STATUS_CODE_UNSET", 1L));
    assertThat(calls.getSum().getDataPoints(0).getStartTimeUnixNano()).isEqualTo(TestSpans.T0);
  }

  @Test
  void configuredDimensionsComeFromTheSpanThenTheResourceThenTheDefault() throws Exception {
    SpanMetricsAggregator a = aggregator(String.join("\n",
        "dimensions: [{name: http.method, default: GET}, {name: region}, {name: absent}]",
        "exclude_dimensions: [status.code]",
        "calls_dimensions: [{name: http.route}]"));
    a.record(new TestSpans().service("checkout", "region", "eu")
        .span("a", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 1, "http.method", "POST", "http.route", "/a")
        .span("a", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 1).build());
    Metrics m = a.collect();
    assertThat(sums(metric(m, "traces.span.metrics.calls"))).containsOnly(
        entry("service.name=checkout,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=POST,region=eu,http.route=/a", 1L),
        entry("service.name=checkout,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=GET,region=eu", 1L));
    assertThat(metric(m, "traces.span.metrics.duration").getHistogram().getDataPointsList())
        .extracting(p -> key(p.getAttributesList()))
        .containsExactlyInAnyOrder("service.name=checkout,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=POST,region=eu",
            "service.name=checkout,span.name=a,span.kind=SPAN_KIND_SERVER,http.method=GET,region=eu");
  }

  @Test
  void eventsAreCountedPerEventDimensionAndLabelsKeepTheirTypesAndTenants() throws Exception {
    SpanMetricsAggregator a = aggregator(String.join("\n",
        "dimensions: [{name: http.status_code}]",
        "events: {enabled: true, dimensions: [{name: exception.type}]}"));
    TestSpans spans = new TestSpans().service("checkout");
    Span failed = spans.newSpan("pay", SPAN_KIND_SERVER, STATUS_CODE_ERROR, 1_000).toBuilder()
        .addAttributes(KeyValue.newBuilder().setKey("http.status_code").setValue(AnyValue.newBuilder().setIntValue(503)))
        .addEvents(Span.Event.newBuilder().setName("exception").addAttributes(TestSpans.kv("exception.type", "Timeout")))
        .addEvents(Span.Event.newBuilder().setName("exception").addAttributes(TestSpans.kv("exception.type", "Timeout")))
        .addEvents(Span.Event.newBuilder().setName("exception").addAttributes(TestSpans.kv("exception.type", "Refused")))
        .build();
    // The same span under two tenants, and the status code as a string: four series, not merged.
    Span asText = failed.toBuilder().setAttributes(0, TestSpans.kv("http.status_code", "503")).build();
    a.record(spans.add(failed).add(asText).build());
    a.record(new TestSpans().service("checkout").add(failed).build().withTenant("acme"));
    Metrics m = a.collect();

    assertThat(sums(metric(m, "traces.span.metrics.events"))).containsOnly(
        entry("service.name=checkout,span.name=pay,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR,"
            + "http.status_code=503,exception.type=Timeout", 4L),
        entry("service.name=checkout,span.name=pay,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR,"
            + "http.status_code=503,exception.type=Refused", 2L),
        entry("tenant=acme,service.name=checkout,span.name=pay,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR,"
            + "http.status_code=503,exception.type=Timeout", 2L),
        entry("tenant=acme,service.name=checkout,span.name=pay,span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_ERROR,"
            + "http.status_code=503,exception.type=Refused", 1L));
    // A value's text decides the series, as in the Collector; the first span's value is the label.
    List<NumberDataPoint> calls = metric(m, "traces.span.metrics.calls").getSum().getDataPointsList();
    assertThat(calls).extracting(NumberDataPoint::getAsInt).containsExactlyInAnyOrder(2L, 1L);
    assertThat(calls).allSatisfy(p -> assertThat(AttributeValues.find(p.getAttributesList(), "http.status_code"))
        .isEqualTo(AnyValue.newBuilder().setIntValue(503).build()));
  }

  @Test
  void theCardinalityLimitFoldsNewSeriesIntoOneOverflowSeries() throws Exception {
    SpanMetricsAggregator a = aggregator("aggregation_cardinality_limit: 10\ndimensions: [{name: user.id}]");
    for (int batch = 0; batch < 50; batch++) {
      TestSpans spans = new TestSpans().service("checkout");
      for (int i = 0; i < 200; i++) {
        spans.span("GET /", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 1_000, "user.id", "u" + batch + "-" + i);
      }
      a.record(spans.build());
    }
    assertThat(a.seriesCount("calls")).isEqualTo(11);
    assertThat(a.seriesCount("duration")).isEqualTo(11);
    Metric calls = metric(a.collect(), "traces.span.metrics.calls");
    assertThat(calls.getSum().getDataPointsCount()).isEqualTo(11);
    Map<String, Long> sums = sums(calls);
    assertThat(sums).containsEntry("otel.metric.overflow=true", 10_000L - 10);
    assertThat(sums.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000L);
  }

  @Test
  void exemplarsCarryTheTraceAndSpanIdsOfTheLatestSpanPerBucket() throws Exception {
    SpanMetricsAggregator a = aggregator("exemplars: {enabled: true}");
    TestSpans spans = checkoutAndDb();
    a.record(spans.build());
    Metrics m = a.collect();
    HistogramDataPoint ok = histogram(metric(m, "traces.span.metrics.duration"),
        "service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_UNSET");
    // Spans 1 (1 ms) and 4 (2 ms) share the first bucket, so the later one is kept; span 2 is alone in its bucket.
    assertThat(ok.getExemplarsList()).extracting(e -> AttributeValues.hex(e.getTraceId()), e -> e.getAsDouble())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(AttributeValues.hex(TestSpans.traceId(4)), 2.0),
            org.assertj.core.groups.Tuple.tuple(AttributeValues.hex(TestSpans.traceId(2)), 5.0));
    assertThat(ok.getExemplars(0).getSpanId()).isIn(TestSpans.spanId(4), TestSpans.spanId(2));
    // Exemplars describe one flush interval only.
    assertThat(histogram(metric(a.collect(), "traces.span.metrics.duration"),
        "service.name=checkout,span.name=GET /orders/{id},span.kind=SPAN_KIND_SERVER,status.code=STATUS_CODE_UNSET")
        .getExemplarsCount()).isZero();
  }

  @Test
  void seriesThatWentQuietExpire() throws Exception {
    SpanMetricsAggregator a = aggregator("metrics_expiration: 1m");
    a.record(checkoutAndDb().build());
    clock.advanceSeconds(30);
    assertThat(a.collect().dataPointCount()).isEqualTo(6);
    clock.advanceSeconds(31);
    assertThat(a.collect().dataPointCount()).isZero();
  }

  @Test
  void secondsUnitScalesBucketsAndValues() throws Exception {
    SpanMetricsAggregator a = aggregator("histogram: {unit: s, explicit: {buckets: [100ms, 1s]}}\nnamespace: \"\"");
    a.record(checkoutAndDb().build());
    Metrics m = a.collect();
    Metric d = metric(m, "duration");
    assertThat(d.getUnit()).isEqualTo("s");
    HistogramDataPoint p = d.getHistogram().getDataPoints(0);
    assertThat(p.getExplicitBoundsList()).containsExactly(0.1, 1.0);
    assertThat(metric(m, "calls").getSum().getDataPointsCount()).isEqualTo(3);
  }

  @Test
  void spansOfAResourceWithoutAServiceNameAreNotCounted() throws Exception {
    SpanMetricsAggregator a = aggregator("{}");
    io.opentelemetry.proto.trace.v1.ResourceSpans rs = io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
        .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder().addSpans(
            new TestSpans().newSpan("x", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 1))).build();
    a.record(dev.skein.model.Traces.of(List.of(rs)));
    assertThat(a.collect().dataPointCount()).isZero();
  }

  @Test
  void invalidSettingsNameTheirKeys() throws Exception {
    SpanMetricsConfig c = TestSpans.bind(String.join("\n",
        "dimensions: [{name: service.name}]",
        "histogram: {unit: m, explicit: {buckets: [10ms, 5ms]}}",
        "aggregation_temporality: AGGREGATION_TEMPORALITY_SOMETIMES",
        "aggregation_cardinality_limit: -1",
        "metrics_flush_interval: 0s"), new SpanMetricsConfig());
    assertThat(c.validate()).containsExactlyInAnyOrder(
        "dimensions[0]::name: \"service.name\" (expected: a name not already used as a dimension)",
        "histogram::unit: \"m\" (expected: ms or s)",
        "histogram::explicit::buckets: [10ms, 5ms] (expected: increasing, non-negative durations)",
        "aggregation_temporality: \"AGGREGATION_TEMPORALITY_SOMETIMES\" (expected: AGGREGATION_TEMPORALITY_CUMULATIVE"
            + " or AGGREGATION_TEMPORALITY_DELTA)",
        "aggregation_cardinality_limit: -1 (expected: >= 0, where 0 means no limit)",
        "metrics_flush_interval: 0s (expected: > 0)");
  }

  static Metric metric(Metrics m, String name) {
    return m.resourceMetrics().stream().flatMap(rm -> rm.getScopeMetricsList().stream())
        .flatMap(sm -> sm.getMetricsList().stream()).filter(x -> x.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name + " in " + m.resourceMetrics()));
  }

  static String key(List<KeyValue> attributes) {
    return attributes.stream().map(kv -> kv.getKey() + "=" + AttributeValues.asString(kv.getValue()))
        .collect(Collectors.joining(","));
  }

  static Map<String, Long> sums(Metric m) {
    Map<String, Long> out = new TreeMap<>();
    m.getSum().getDataPointsList().forEach(p -> out.put(key(p.getAttributesList()), p.getAsInt()));
    return out;
  }

  static HistogramDataPoint histogram(Metric m, String key) {
    return m.getHistogram().getDataPointsList().stream().filter(p -> key(p.getAttributesList()).equals(key))
        .findFirst().orElseThrow(() -> new AssertionError("no series " + key));
  }
}
