package dev.skein.components.servicegraph;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.google.protobuf.ByteString;
import dev.skein.components.metrics.internal.AttributeValues;
import dev.skein.components.metrics.internal.TestSpans;
import dev.skein.model.Metrics;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ServiceGraphConnectorTest {
  final TestSpans.Clock clock = new TestSpans.Clock();
  final Telemetry telemetry = new Telemetry();
  final List<Metrics> pushed = new ArrayList<>();

  ServiceGraphConnector connector(String yaml) throws Exception {
    ServiceGraphConfig c = TestSpans.bind(yaml, new ServiceGraphConfig());
    assertThat(c.validate()).isEmpty();
    return new ServiceGraphConnector("servicegraph", c, m -> {
      pushed.add(m);
      return CompletableFuture.completedFuture(null);
    }, telemetry, clock);
  }

  static Span span(int trace, int id, int parent, Span.SpanKind kind, boolean failed, long micros, String... attributes) {
    Span s = new TestSpans().newSpan("op", kind, failed ? STATUS_CODE_ERROR : STATUS_CODE_UNSET, micros, attributes);
    return s.toBuilder().setTraceId(TestSpans.traceId(trace)).setSpanId(TestSpans.spanId(id))
        .setParentSpanId(parent == 0 ? ByteString.EMPTY : TestSpans.spanId(parent)).build();
  }

  @Test
  void aClientAndAServerSpanMakeOneEdgeWithBothLatencies() throws Exception {
    ServiceGraphConnector c = connector("{}");
    c.consume(new TestSpans().service("frontend").add(span(1, 10, 1, SPAN_KIND_CLIENT, false, 30_000)).build());
    assertThat(c.waiting()).isEqualTo(1);
    c.consume(new TestSpans().service("checkout").add(span(1, 11, 10, SPAN_KIND_SERVER, false, 20_000))
        .add(span(1, 12, 11, SPAN_KIND_INTERNAL, false, 5)).build());
    c.consume(new TestSpans().service("checkout").add(span(2, 21, 20, SPAN_KIND_SERVER, true, 400_000)).build());
    c.consume(new TestSpans().service("frontend").add(span(2, 20, 2, SPAN_KIND_CLIENT, false, 410_000)).build());
    assertThat(c.waiting()).isZero();

    Metrics m = c.collect();
    assertThat(sums(m, "traces_service_graph_request_total")).containsOnly(
        entry("client=frontend,server=checkout,connection_type=,failed=false", 1L),
        entry("client=frontend,server=checkout,connection_type=,failed=true", 1L));
    assertThat(sums(m, "traces_service_graph_request_failed_total")).containsOnly(
        entry("client=frontend,server=checkout,connection_type=,failed=true", 1L));
    Metric server = metric(m, "traces_service_graph_request_server");
    assertThat(server.getUnit()).isEqualTo("s");
    HistogramDataPoint ok = point(server, "client=frontend,server=checkout,connection_type=,failed=false");
    assertThat(ok.getExplicitBoundsList()).containsExactly(
        0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.4, 2.0, 5.0, 10.0, 15.0);
    assertThat(ok.getBucketCountsList().get(5)).isEqualTo(1L); // 20 ms in (10 ms, 50 ms]
    assertThat(ok.getSum()).isEqualTo(0.02);
    HistogramDataPoint client = point(metric(m, "traces_service_graph_request_client"),
        "client=frontend,server=checkout,connection_type=,failed=true");
    assertThat(client.getBucketCountsList().get(9)).isEqualTo(1L); // 410 ms in (400 ms, 800 ms]
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_connector_servicegraph_total_edges", "connector", "servicegraph"), 2L);
  }

  @Test
  void aClientSpanNamingADatabaseIsAnEdgeToTheDatabase() throws Exception {
    ServiceGraphConnector c = connector("{}");
    c.consume(new TestSpans().service("checkout")
        .add(span(3, 30, 1, SPAN_KIND_CLIENT, false, 800_000, "db.system", "postgresql", "db.name", "orders")).build());
    assertThat(c.waiting()).isZero();
    Metrics m = c.collect();
    assertThat(sums(m, "traces_service_graph_request_total")).containsOnly(
        entry("client=checkout,server=orders,connection_type=database,failed=false", 1L));
    assertThat(point(metric(m, "traces_service_graph_request_server"),
        "client=checkout,server=orders,connection_type=database,failed=false").getSum()).isEqualTo(0.8);
  }

  @Test
  void unpairedSpansBecomeVirtualNodesOrUnpairedCountsOnceTheirWaitIsOver() throws Exception {
    ServiceGraphConnector c = connector("store: {ttl: 2s}");
    c.consume(new TestSpans()
        .service("frontend").add(span(4, 40, 0, SPAN_KIND_SERVER, false, 1_000))
        .service("checkout").add(span(5, 50, 1, SPAN_KIND_CLIENT, true, 2_000, "peer.service", "payments-api"))
        .add(span(7, 70, 1, SPAN_KIND_PRODUCER, false, 100, "messaging.system", "kafka"))
        .service("billing").add(span(6, 60, 99, SPAN_KIND_SERVER, false, 3_000))
        .add(span(8, 80, 71, SPAN_KIND_CONSUMER, false, 100))
        .build());
    assertThat(c.waiting()).isEqualTo(5);
    clock.advanceSeconds(1);
    c.expireNow();
    assertThat(c.waiting()).isEqualTo(5);
    clock.advanceSeconds(2);
    c.expireNow();
    assertThat(c.waiting()).isZero();

    Metrics m = c.collect();
    assertThat(sums(m, "traces_service_graph_request_total")).containsOnly(
        entry("client=user,server=frontend,connection_type=virtual_node,failed=false", 1L),
        entry("client=checkout,server=payments-api,connection_type=virtual_node,failed=true", 1L),
        entry("client=checkout,server=kafka,connection_type=virtual_node,failed=false", 1L));
    assertThat(sums(m, "traces_service_graph_unpaired_spans_total")).containsOnly(
        entry("client=,server=billing,connection_type=", 1L),
        entry("client=,server=billing,connection_type=messaging_system", 1L));
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_connector_servicegraph_expired_edges", "connector", "servicegraph"), 5L);
  }

  @Test
  void spansBeyondTheStoresCapacityAreDroppedAndCounted() throws Exception {
    ServiceGraphConnector c = connector("store: {max_items: 2}");
    TestSpans spans = new TestSpans().service("frontend");
    for (int i = 1; i <= 5; i++) {
      spans.add(span(100 + i, 100 + i, 1, SPAN_KIND_CLIENT, false, 1_000));
    }
    c.consume(spans.build());
    assertThat(c.waiting()).isEqualTo(2);
    assertThat(sums(c.collect(), "traces_service_graph_dropped_spans_total")).containsOnly(
        entry("client=frontend,server=,connection_type=", 3L));
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_connector_servicegraph_dropped_spans", "connector", "servicegraph"), 3L);
  }

  @Test
  void extraDimensionsArePrefixedWithTheirSide() throws Exception {
    ServiceGraphConnector c = connector("dimensions: [deployment.environment]\nvirtual_node_extra_label: true");
    c.consume(new TestSpans().service("frontend", "deployment.environment", "prod")
        .add(span(9, 90, 1, SPAN_KIND_CLIENT, false, 1_000)).build());
    c.consume(new TestSpans().service("checkout", "deployment.environment", "canary")
        .add(span(9, 91, 90, SPAN_KIND_SERVER, false, 1_000)).build());
    assertThat(sums(c.collect(), "traces_service_graph_request_total")).containsOnly(entry(
        "client=frontend,server=checkout,connection_type=,failed=false,client_deployment.environment=prod,"
            + "server_deployment.environment=canary,virtual_node=", 1L));
  }

  @Test
  void aZeroFlushIntervalPushesAfterEveryBatchAndShutdownPushesTheRest() throws Exception {
    ServiceGraphConnector c = connector("metrics_flush_interval: 0s");
    c.consume(new TestSpans().service("checkout")
        .add(span(3, 30, 1, SPAN_KIND_CLIENT, false, 1_000, "db.name", "orders")).build());
    assertThat(pushed).hasSize(1);
    ServiceGraphConnector d = connector("{}");
    d.start(null);
    d.consume(new TestSpans().service("checkout")
        .add(span(3, 30, 1, SPAN_KIND_CLIENT, false, 1_000, "db.name", "orders")).build());
    d.shutdown();
    d.shutdown();
    assertThat(pushed).hasSize(2);
  }

  @Test
  void invalidSettingsNameTheirKeys() throws Exception {
    ServiceGraphConfig c = TestSpans.bind(
        "store: {ttl: 0s, max_items: 0}\nlatency_histogram_buckets: [1s, 1ms]\nexponential_histogram_max_size: 160",
        new ServiceGraphConfig());
    assertThat(c.validate()).containsExactlyInAnyOrder(
        "store::ttl: 0s (expected: > 0)",
        "store::max_items: 0 (expected: > 0)",
        "latency_histogram_buckets: [1s, 1ms] (expected: increasing, non-negative durations)",
        "exponential_histogram_max_size: 160 (expected: 0; exponential histograms are not supported, use"
            + " latency_histogram_buckets)");
  }

  static Metric metric(Metrics m, String name) {
    return m.resourceMetrics().stream().flatMap(rm -> rm.getScopeMetricsList().stream())
        .flatMap(sm -> sm.getMetricsList().stream()).filter(x -> x.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name));
  }

  static String key(List<io.opentelemetry.proto.common.v1.KeyValue> attributes) {
    return attributes.stream().map(kv -> kv.getKey() + "=" + AttributeValues.asString(kv.getValue()))
        .collect(Collectors.joining(","));
  }

  static Map<String, Long> sums(Metrics m, String name) {
    Map<String, Long> out = new TreeMap<>();
    metric(m, name).getSum().getDataPointsList().forEach(p -> out.put(key(p.getAttributesList()), p.getAsInt()));
    return out;
  }

  static HistogramDataPoint point(Metric m, String key) {
    return m.getHistogram().getDataPointsList().stream().filter(p -> key(p.getAttributesList()).equals(key))
        .findFirst().orElseThrow(() -> new AssertionError("no series " + key));
  }
}
