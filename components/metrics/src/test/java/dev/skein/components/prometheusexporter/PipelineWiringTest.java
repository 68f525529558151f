package dev.skein.components.prometheusexporter;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.metrics.internal.TestSpans;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The components as a configuration names them: found through META-INF/services and wired by the pipeline. */
class PipelineWiringTest {
  /** Stands in for a network receiver, which lives in another module: it hands the test the pipeline's head. */
  static final class Source implements ReceiverFactory<Source.Config> {
    static volatile TracesConsumer head;

    static final class Config implements ComponentConfig {}

    @Override
    public String type() {
      return "source";
    }

    @Override
    public Config createDefaultConfig() {
      return new Config();
    }

    @Override
    public Component createTracesReceiver(CreateSettings settings, Config config, TracesConsumer next) {
      head = next;
      return new Component() {};
    }
  }

  static final String YAML = String.join("\n",
      "receivers: {source: }",
      "connectors:",
      "  spanmetrics: {dimensions: [{name: http.method, default: GET}], metrics_flush_interval: 1h}",
      "  servicegraph: {metrics_flush_interval: 0s}",
      "exporters:",
      "  prometheus: {endpoint: \"127.0.0.1:0\"}",
      "  prometheus/shorthand: {endpoint: \"127.0.0.1:0\"}",
      "service:",
      "  pipelines:",
      "    traces: {receivers: [source], exporters: [spanmetrics, servicegraph, prometheus/shorthand]}",
      "    metrics: {receivers: [spanmetrics, servicegraph], exporters: [prometheus]}",
      "");

  @Test
  void aCollectorConfigurationWiresConnectorsIntoTheExporter() throws Exception {
    ComponentRegistry loaded = ComponentRegistry.load();
    assertThat(loaded.types(ComponentKind.CONNECTOR)).contains("spanmetrics", "span_metrics", "servicegraph");
    assertThat(loaded.types(ComponentKind.EXPORTER)).contains("prometheus");
    ComponentRegistry registry = ComponentRegistry.of(new Source(),
        loaded.find(ComponentKind.CONNECTOR, "spanmetrics").orElseThrow(),
        loaded.find(ComponentKind.CONNECTOR, "servicegraph").orElseThrow(),
        loaded.find(ComponentKind.EXPORTER, "prometheus").orElseThrow());
    ResolvedConfig config = ResolvedConfig.resolve(ConfigSource.parse(YAML, Map.<String, String>of()::get), registry);
    Service service = Service.create(config, new Telemetry());
    service.start();
    try {
      Source.head.consume(new TestSpans().service("frontend")
          .add(span(1, 10, 0, SPAN_KIND_CLIENT))
          .service("checkout").add(span(1, 11, 10, SPAN_KIND_SERVER)).build()).join();
      String full = scrape(config, "prometheus");
      String shorthand = scrape(config, "prometheus/shorthand");
      assertThat(full).contains("traces_service_graph_request_total{client=\"frontend\",connection_type=\"\","
          + "failed=\"false\",server=\"checkout\"} 1\n");
      assertThat(shorthand).contains("traces_span_metrics_calls_total{service_name=\"checkout\",span_kind=\"SPAN_KIND_SERVER\","
          + "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"} 1\n");
    } finally {
      service.shutdown();
    }
  }

  static io.opentelemetry.proto.trace.v1.Span span(int trace, int id, int parent, io.opentelemetry.proto.trace.v1.Span.SpanKind kind) {
    return new TestSpans().newSpan("op", kind, STATUS_CODE_UNSET, 1_000).toBuilder()
        .setTraceId(TestSpans.traceId(trace)).setSpanId(TestSpans.spanId(id))
        .setParentSpanId(parent == 0 ? com.google.protobuf.ByteString.EMPTY : TestSpans.spanId(parent)).build();
  }

  static String scrape(ResolvedConfig config, String id) throws Exception {
    PrometheusExporterConfig c = (PrometheusExporterConfig) config.component(ComponentKind.EXPORTER, ComponentId.parse(id)).config();
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + PrometheusExporterFactory.port(c) + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
