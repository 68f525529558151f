package dev.skein.components.prometheusexporter;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.metrics.internal.AttributeValues;
import dev.skein.components.metrics.internal.TestSpans;
import dev.skein.model.Metrics;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.MetricsExporter;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusExporterTest {
  static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  final PrometheusExporterFactory factory = new PrometheusExporterFactory();
  final CreateSettings settings = new CreateSettings(ComponentId.of("prometheus"), new Telemetry());
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  PrometheusExporterConfig config(String yaml) throws Exception {
    PrometheusExporterConfig c = TestSpans.bind("endpoint: 127.0.0.1:0\n" + yaml, factory.createDefaultConfig());
    assertThat(c.validate()).isEmpty();
    return c;
  }

  HttpResponse<String> get(PrometheusExporterConfig c, String accept) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PrometheusExporterFactory.port(c) + "/metrics"))
        .timeout(Duration.ofSeconds(10));
    if (accept != null) {
      r.header("Accept", accept);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static <C extends dev.skein.pipeline.ComponentConfig> dev.skein.pipeline.TracesConnector connector(
      dev.skein.pipeline.ConnectorFactory<C> f, String yaml) throws Exception {
    return f.createTracesToMetrics(new CreateSettings(ComponentId.of(f.type()), new Telemetry()),
        TestSpans.bind(yaml, f.createDefaultConfig()), m -> java.util.concurrent.CompletableFuture.completedFuture(null));
  }

  static Metrics spanMetrics() throws Exception {
    dev.skein.pipeline.TracesConnector connector =
        connector(new dev.skein.components.spanmetrics.SpanMetricsConnectorFactory(), "exemplars: {enabled: true}");
    connector.consume(new TestSpans().service("checkout")
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 5_000)
        .span("GET /orders/{id}", SPAN_KIND_SERVER, STATUS_CODE_ERROR, 812_000).build());
    return ((dev.skein.components.metrics.internal.MetricsSource) connector).collect();
  }

  @Test
  void spanMetricsAreServedInTheTextFormatWithTheCollectorsNames() throws Exception {
    PrometheusExporterConfig c = config("");
    MetricsExporter e = factory.createMetricsExporter(settings, c);
    e.start(null);
    try {
      e.consume(spanMetrics()).join();
      HttpResponse<String> r = get(c, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue(Exposition.TEXT_CONTENT_TYPE);
      String ok = "service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /orders/{id}\","
          + "status_code=\"STATUS_CODE_UNSET\"";
      assertThat(r.body()).contains(
          "# TYPE traces_span_metrics_calls_total counter\n",
          "traces_span_metrics_calls_total{" + ok + "} 1\n",
          "# TYPE traces_span_metrics_duration_milliseconds histogram\n",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"4\"} 0\n",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"6\"} 1\n",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"15000\"} 1\n",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"+Inf\"} 1\n",
          "traces_span_metrics_duration_milliseconds_sum{" + ok + "} 5\n",
          "traces_span_metrics_duration_milliseconds_count{" + ok + "} 1\n",
          "traces_span_metrics_duration_milliseconds_bucket{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\","
              + "span_name=\"GET /orders/{id}\",status_code=\"STATUS_CODE_ERROR\",le=\"800\"} 0\n",
          "traces_span_metrics_duration_milliseconds_bucket{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\","
              + "span_name=\"GET /orders/{id}\",status_code=\"STATUS_CODE_ERROR\",le=\"1000\"} 1\n");
      assertThat(r.body()).doesNotContain("# {", "# EOF", "target_info");
    } finally {
      e.shutdown();
    }
  }

  @Test
  void openMetricsWithExemplarsWhenTheScraperAsksForIt() throws Exception {
    PrometheusExporterConfig c = config("");
    MetricsExporter e = factory.createMetricsExporter(settings, c);
    e.start(null);
    try {
      e.consume(spanMetrics()).join();
      HttpResponse<String> r = get(c, PROMETHEUS_ACCEPT);
      assertThat(r.headers().firstValue("content-type")).hasValue(Exposition.OPENMETRICS_CONTENT_TYPE);
      String ok = "service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /orders/{id}\","
          + "status_code=\"STATUS_CODE_UNSET\"";
      String trace = AttributeValues.hex(TestSpans.traceId(1));
      String span = AttributeValues.hex(TestSpans.spanId(1));
      assertThat(r.body()).contains(
          "# TYPE traces_span_metrics_calls counter\n",
          "traces_span_metrics_calls_total{" + ok + "} 1.0 # {trace_id=\"" + trace + "\",span_id=\"" + span + "\"} 5.0 ",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"4.0\"} 0\n",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"6.0\"} 1 # {trace_id=\"" + trace
              + "\",span_id=\"" + span + "\"} 5.0 ",
          "traces_span_metrics_duration_milliseconds_bucket{" + ok + ",le=\"+Inf\"} 1\n");
      assertThat(r.body()).endsWith("# EOF\n");

      PrometheusExporterConfig textOnly = config("enable_open_metrics: false");
      MetricsExporter t = factory.createMetricsExporter(settings, textOnly);
      t.start(null);
      try {
        assertThat(get(textOnly, PROMETHEUS_ACCEPT).headers().firstValue("content-type"))
            .hasValue(Exposition.TEXT_CONTENT_TYPE);
      } finally {
        t.shutdown();
      }
    } finally {
      e.shutdown();
    }
  }

  @Test
  void namespaceConstLabelsResourceLabelsAndTimestamps() throws Exception {
    PrometheusExporterConfig c = config(String.join("\n",
        "namespace: skein",
        "const_labels: {cluster: eu-1}",
        "send_timestamps: true",
        "resource_to_telemetry_conversion: {enabled: true}"));
    MetricsExporter e = factory.createMetricsExporter(settings, c);
    e.start(null);
    try {
      e.consume(Metrics.of(List.of(ResourceMetrics.newBuilder()
          .setResource(Resource.newBuilder().addAttributes(TestSpans.kv("service.name", "checkout"))
              .addAttributes(TestSpans.kv("service.instance.id", "pod-1")).addAttributes(TestSpans.kv("host.name", "h1")))
          .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("requests")
              .setDescription("Requests \"seen\"")
              .setSum(Sum.newBuilder().setIsMonotonic(true)
                  .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                  .addDataPoints(NumberDataPoint.newBuilder().setAsInt(3).setTimeUnixNano(TestSpans.T0)
                      .addAttributes(KeyValue.newBuilder().setKey("http.route")
                          .setValue(AnyValue.newBuilder().setStringValue("/a\"b")))))))
          .build()))).join();
      e.consume(Metrics.of(List.of(ResourceMetrics.newBuilder()
          .setResource(Resource.newBuilder().addAttributes(TestSpans.kv("service.name", "checkout"))
              .addAttributes(TestSpans.kv("service.instance.id", "pod-1")).addAttributes(TestSpans.kv("host.name", "h1")))
          .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("requests")
              .setDescription("Requests \"seen\"")
              .setSum(Sum.newBuilder().setIsMonotonic(true)
                  .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                  .addDataPoints(NumberDataPoint.newBuilder().setAsInt(4).setTimeUnixNano(TestSpans.T0 + 1_000_000_000L)
                      .addAttributes(KeyValue.newBuilder().setKey("http.route")
                          .setValue(AnyValue.newBuilder().setStringValue("/a\"b")))))))
          .build()))).join();
      String body = get(c, null).body();
      assertThat(body).contains(
          "# HELP skein_requests_total Requests \"seen\"\n",
          "skein_requests_total{cluster=\"eu-1\",host_name=\"h1\",http_route=\"/a\\\"b\",instance=\"pod-1\",job=\"checkout\","
              + "service_instance_id=\"pod-1\",service_name=\"checkout\"} 7 1700000001000\n",
          "# TYPE skein_target_info gauge\n",
          "skein_target_info{host_name=\"h1\",instance=\"pod-1\",job=\"checkout\"} 1");
    } finally {
      e.shutdown();
    }
  }

  @Test
  void inATracesPipelineTheExporterDerivesSpanMetricsItself() throws Exception {
    PrometheusExporterConfig c = config("");
    assertThat(factory.supports(dev.skein.pipeline.Signal.TRACES)).isTrue();
    TracesExporter traces = factory.createTracesExporter(settings, c);
    MetricsExporter metrics = factory.createMetricsExporter(settings, c);
    traces.start(null);
    metrics.start(null);
    try {
      traces.consume(new TestSpans().service("checkout")
          .span("GET /", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 5_000)
          .span("GET /", SPAN_KIND_SERVER, STATUS_CODE_UNSET, 7_000).build()).join();
      assertThat(get(c, null).body()).contains("traces_span_metrics_calls_total{service_name=\"checkout\","
          + "span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /\",status_code=\"STATUS_CODE_UNSET\"} 2\n");
      traces.shutdown();
      // The metrics side still holds the endpoint.
      assertThat(get(c, null).statusCode()).isEqualTo(200);
    } finally {
      traces.shutdown();
      metrics.shutdown();
    }
  }

  @Test
  void acceptHeadersAreWeighed() {
    assertThat(PrometheusEndpoint.wantsOpenMetrics(PROMETHEUS_ACCEPT)).isTrue();
    assertThat(PrometheusEndpoint.wantsOpenMetrics("text/plain;version=0.0.4")).isFalse();
    assertThat(PrometheusEndpoint.wantsOpenMetrics("application/openmetrics-text;q=0.2,text/plain;q=0.9")).isFalse();
    assertThat(PrometheusEndpoint.wantsOpenMetrics(null)).isFalse();
  }

  @Test
  void invalidSettingsNameTheirKeys() throws Exception {
    PrometheusExporterConfig c = TestSpans.bind(
        "endpoint: nowhere\nconst_labels: {\"bad label\": x}\nmetric_expiration: 0s\ntranslation_strategy: NoTranslation",
        factory.createDefaultConfig());
    assertThat(c.validate()).containsExactlyInAnyOrder(
        "endpoint: \"nowhere\" (expected: host:port with a port from 0 to 65535)",
        "const_labels::bad label: not a valid label name (expected: letters, digits and underscores, not starting"
            + " with a digit or __)",
        "metric_expiration: 0s (expected: > 0)",
        "translation_strategy: \"NoTranslation\" (expected: UnderscoreEscapingWithSuffixes or"
            + " UnderscoreEscapingWithoutSuffixes; UTF-8 names are not supported)");
  }
}
