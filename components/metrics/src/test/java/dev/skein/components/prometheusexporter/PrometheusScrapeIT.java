package dev.skein.components.prometheusexporter;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.skein.components.metrics.internal.AttributeValues;
import dev.skein.components.metrics.internal.TestSpans;
import dev.skein.components.servicegraph.ServiceGraphConnectorFactory;
import dev.skein.components.spanmetrics.SpanMetricsConnectorFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.MetricsExporter;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConnector;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans flow through the real {@code spanmetrics} and {@code servicegraph} connectors into the
 * {@code prometheus} exporter, a real Prometheus server (Debian's {@code prometheus} package)
 * scrapes it every second, and PromQL answers are checked against the spans that were sent.
 */
class PrometheusScrapeIT {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final double[] BOUNDS_MS = {2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000};
  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final ObjectMapper json = new ObjectMapper();
  final Telemetry telemetry = new Telemetry();
  final List<Span> sentServerSpans = new ArrayList<>();
  final Map<String, Long> sentCallsByService = new TreeMap<>();
  final Set<String> sentTraceIds = new HashSet<>();
  Process prometheus;
  int prometheusPort;
  PrometheusExporterConfig exporterConfig;
  MetricsExporter exporter;
  TracesConnector spanMetrics;
  TracesConnector serviceGraph;
  int nextId = 1;

  @BeforeEach
  void start() throws Exception {
    assertThat(Files.isExecutable(PROMETHEUS))
        .as("%s is missing: install Debian's prometheus package (apt-get install -y prometheus)", PROMETHEUS).isTrue();
    PrometheusExporterFactory factory = new PrometheusExporterFactory();
    exporterConfig = TestSpans.bind("endpoint: 127.0.0.1:0", factory.createDefaultConfig());
    exporter = factory.createMetricsExporter(settings("prometheus"), exporterConfig);
    exporter.start(null);
    spanMetrics = connector(new SpanMetricsConnectorFactory(), "metrics_flush_interval: 1s\nexemplars: {enabled: true}");
    serviceGraph = connector(new ServiceGraphConnectorFactory(),
        "metrics_flush_interval: 1s\nstore: {ttl: 2s}\nstore_expiration_loop: 1s");
    spanMetrics.start(null);
    serviceGraph.start(null);

    prometheusPort = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: skein",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + PrometheusExporterFactory.port(exporterConfig) + "']",
        ""));
    prometheus = new ProcessBuilder(PROMETHEUS.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort,
        "--enable-feature=exemplar-storage")
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    awaitQuery("up{job=\"skein\"} == 1", r -> r.size() == 1);
  }

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    for (dev.skein.pipeline.Component c : new dev.skein.pipeline.Component[] {spanMetrics, serviceGraph, exporter}) {
      if (c != null) {
        c.shutdown();
      }
    }
  }

  @Test
  void prometheusAnswersMatchTheSpansSent() throws Exception {
    // Every series exists before the measured batch, so that rate() sees the whole batch as an increase.
    send(request(5, false), dbQuery(5), lone("frontend", "GET /checkout", 5));
    awaitQuery("sum(traces_span_metrics_calls_total)", r -> value(r) == total());
    awaitScrapes(2);

    List<Span> batch = new ArrayList<>();
    int before = sentServerSpans.size();
    for (int i = 0; i < 48; i++) {
      send(request(5, false));
    }
    send(request(300, false), request(5, true), request(5, true), request(900, true));
    for (int i = 0; i < 48; i++) {
      send(lone("frontend", "GET /checkout", 5));
    }
    for (int i = 0; i < 10; i++) {
      send(dbQuery(16));
    }
    batch.addAll(sentServerSpans.subList(before, sentServerSpans.size()));

    Map<String, Double> byService = awaitByLabel("sum(traces_span_metrics_calls_total) by (service_name)",
        "service_name", m -> m.equals(toDoubles(sentCallsByService)));
    assertThat(byService).isEqualTo(toDoubles(sentCallsByService));

    // rate() extrapolates each series by its own first value, so the answer lands in the right bucket
    // rather than on the exact interpolation; the raw counts below are checked exactly.
    double recent = quantile(0.99, batch);
    assertThat(recent).isEqualTo(400.0);
    String rateQuery = "histogram_quantile(0.99, sum(rate(traces_span_metrics_duration_milliseconds_bucket"
        + "{span_kind=\"SPAN_KIND_SERVER\"}[1m])) by (le))";
    assertThat(value(awaitQuery(rateQuery, r -> value(r) > 200 && value(r) <= 400))).isBetween(200.0, 400.0);
    Map<String, Double> rates = awaitByLabel("sum(rate(traces_span_metrics_calls_total[1m])) by (service_name)",
        "service_name", m -> m.size() == 2 && m.values().stream().allMatch(v -> v > 0));
    assertThat(rates).containsOnlyKeys("checkout", "frontend");

    long errors = sentServerSpans.stream()
        .filter(s -> s.getStatus().getCode() == STATUS_CODE_ERROR).count();
    assertThat(value(awaitQuery("sum(traces_span_metrics_calls_total{status_code=\"STATUS_CODE_ERROR\"})",
        r -> value(r) == errors))).isEqualTo(errors);

    double allServer = quantile(0.99, sentServerSpans);
    assertThat(value(awaitQuery("histogram_quantile(0.99, sum(traces_span_metrics_duration_milliseconds_bucket"
        + "{span_kind=\"SPAN_KIND_SERVER\"}) by (le))", r -> Math.abs(value(r) - allServer) < 1e-6)))
        .isCloseTo(allServer, within(1e-6));

    long requests = sentServerSpans.stream().filter(s -> s.getName().equals("POST /orders")).count();
    assertThat(value(awaitQuery("sum(traces_service_graph_request_total{client=\"frontend\",server=\"checkout\"})",
        r -> value(r) == requests))).isEqualTo(requests);
    assertThat(value(awaitQuery("sum(traces_service_graph_request_failed_total{client=\"frontend\",server=\"checkout\"})",
        r -> value(r) == errors))).isEqualTo(errors);
    assertThat(value(awaitQuery("sum(traces_service_graph_request_total{client=\"checkout\",server=\"orders\","
        + "connection_type=\"database\"})", r -> value(r) == 11))).isEqualTo(11);
    assertThat(value(awaitQuery("sum(traces_service_graph_request_total{client=\"user\",server=\"frontend\"})",
        r -> value(r) == 49))).isEqualTo(49);

    assertThat(awaitExemplarTraceIds()).isSubsetOf(sentTraceIds).isNotEmpty();
    assertTextFormatPassesPromtool();
  }

  /** A frontend client span and the checkout server span it called, in one trace. */
  List<Span> request(long millis, boolean failed) {
    int trace = nextId++;
    Span client = span(trace, "POST checkout", SPAN_KIND_CLIENT, ByteString.EMPTY, millis + 1, false);
    Span server = span(trace, "POST /orders", SPAN_KIND_SERVER, client.getSpanId(), millis, failed);
    return List.of(tagged("frontend", client), tagged("checkout", server));
  }

  List<Span> dbQuery(long millis) {
    return List.of(tagged("checkout", span(nextId++, "SELECT orders", SPAN_KIND_CLIENT, ByteString.EMPTY, millis, false)
        .toBuilder().addAttributes(TestSpans.kv("db.system", "postgresql"))
        .addAttributes(TestSpans.kv("db.name", "orders")).build()));
  }

  /** A root server span: the service graph records it as a request from "user" once its wait is over. */
  List<Span> lone(String service, String name, long millis) {
    return List.of(tagged(service, span(nextId++, name, SPAN_KIND_SERVER, ByteString.EMPTY, millis, false)));
  }

  private final Map<Span, String> services = new LinkedHashMap<>();

  Span tagged(String service, Span span) {
    services.put(span, service);
    return span;
  }

  Span span(int trace, String name, Span.SpanKind kind, ByteString parent, long millis, boolean failed) {
    return Span.newBuilder().setName(name).setKind(kind).setTraceId(TestSpans.traceId(trace))
        .setSpanId(TestSpans.spanId(nextId++ + 1000)).setParentSpanId(parent)
        .setStartTimeUnixNano(TestSpans.T0).setEndTimeUnixNano(TestSpans.T0 + millis * 1_000_000)
        .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setCode(failed ? STATUS_CODE_ERROR : STATUS_CODE_UNSET))
        .build();
  }

  @SafeVarargs
  final void send(List<Span>... groups) {
    TestSpans t = new TestSpans();
    for (List<Span> g : groups) {
      for (Span s : g) {
        String service = services.get(s);
        t.service(service).add(s);
        sentCallsByService.merge(service, 1L, Long::sum);
        sentTraceIds.add(AttributeValues.hex(s.getTraceId()));
        if (s.getKind() == SPAN_KIND_SERVER) {
          sentServerSpans.add(s);
        }
      }
    }
    Traces traces = t.build();
    spanMetrics.consume(traces).join();
    serviceGraph.consume(traces).join();
  }

  long total() {
    return sentCallsByService.values().stream().mapToLong(Long::longValue).sum();
  }

  /** What Prometheus's histogram_quantile answers for these spans over the default buckets. */
  static double quantile(double q, List<Span> spans) {
    long[] counts = new long[BOUNDS_MS.length + 1];
    for (Span s : spans) {
      double ms = (s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1e6;
      int i = 0;
      while (i < BOUNDS_MS.length && BOUNDS_MS[i] < ms) {
        i++;
      }
      counts[i]++;
    }
    double rank = q * spans.size();
    long cumulative = 0;
    for (int i = 0; i < BOUNDS_MS.length; i++) {
      if (cumulative + counts[i] >= rank) {
        double lower = i == 0 ? 0 : BOUNDS_MS[i - 1];
        return lower + (BOUNDS_MS[i] - lower) * (rank - cumulative) / counts[i];
      }
      cumulative += counts[i];
    }
    return BOUNDS_MS[BOUNDS_MS.length - 1];
  }

  void awaitScrapes(int n) throws Exception {
    String scrapes = "count_over_time(up{job=\"skein\"}[10m])";
    double first = value(awaitQuery(scrapes, r -> true));
    awaitQuery(scrapes, r -> value(r) >= first + n);
  }

  JsonNode awaitQuery(String promql, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      assertThat(prometheus.isAlive()).as("prometheus exited:\n%s", log()).isTrue();
      try {
        last = query(promql);
        if (!last.isEmpty() && done.test(last)) {
          return last;
        }
      } catch (IOException e) {
        last = null;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no answer to " + promql + " within " + WAIT + "; last answer: " + last
        + "\nprometheus log:\n" + log());
  }

  Map<String, Double> awaitByLabel(String promql, String label, Predicate<Map<String, Double>> done) throws Exception {
    JsonNode r = awaitQuery(promql, n -> done.test(byLabel(n, label)));
    return byLabel(r, label);
  }

  static Map<String, Double> byLabel(JsonNode result, String label) {
    Map<String, Double> out = new TreeMap<>();
    result.forEach(s -> out.put(s.path("metric").path(label).asText(), Double.parseDouble(s.path("value").get(1).asText())));
    return out;
  }

  static double value(JsonNode result) {
    return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  static Map<String, Double> toDoubles(Map<String, Long> m) {
    Map<String, Double> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.doubleValue()));
    return out;
  }

  JsonNode query(String promql) throws Exception {
    String url = "http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode body = json.readTree(r.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new AssertionError("query " + promql + " failed: " + r.body());
    }
    return body.path("data").path("result");
  }

  Set<String> awaitExemplarTraceIds() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      long now = System.currentTimeMillis() / 1000;
      String url = "http://127.0.0.1:" + prometheusPort + "/api/v1/query_exemplars?query="
          + URLEncoder.encode("traces_span_metrics_duration_milliseconds_bucket", StandardCharsets.UTF_8)
          + "&start=" + (now - 600) + "&end=" + (now + 60);
      JsonNode body = json.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      Set<String> ids = new HashSet<>();
      body.path("data").forEach(series -> series.path("exemplars")
          .forEach(e -> ids.add(e.path("labels").path("trace_id").asText())));
      if (!ids.isEmpty()) {
        return ids;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus stored no exemplars within " + WAIT + "\n" + log());
  }

  void assertTextFormatPassesPromtool() throws Exception {
    HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + PrometheusExporterFactory.port(exporterConfig) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(Files.isExecutable(PROMTOOL)).as("%s is missing (Debian's prometheus package ships it)", PROMTOOL).isTrue();
    Path in = dir.resolve("metrics.txt");
    Files.writeString(in, text.body());
    Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectInput(in.toFile())
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // 0: clean; 3: only lint advice (e.g. no HELP text, milliseconds not being a base unit); 1: a parse error.
    assertThat(p.exitValue()).as(out).isIn(0, 3);
    assertThat(out).doesNotContain("error");
  }

  String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  CreateSettings settings(String id) {
    return new CreateSettings(ComponentId.parse(id), telemetry);
  }

  <C extends ComponentConfig> TracesConnector connector(ConnectorFactory<C> f, String yaml) throws Exception {
    C config = TestSpans.bind(yaml, f.createDefaultConfig());
    assertThat(config.validate()).isEmpty();
    return f.createTracesToMetrics(settings(f.type()), config, exporter);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
