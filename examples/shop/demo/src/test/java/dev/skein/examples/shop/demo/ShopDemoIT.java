package dev.skein.examples.shop.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The demo as a user runs it: {@code java -jar server/target/skein.jar demo} (what {@code ./skein
 * demo} runs once it has built everything) starts PostgreSQL, Skein, the three Java services under
 * the OpenTelemetry Java agent, the Node.js payment service and the load driver as real processes,
 * on free ports. Every check reads what a person investigating would read: Skein's query API and
 * the span metrics on its Prometheus endpoint. The last test stops the demo as Ctrl-C does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShopDemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static final Duration STARTUP = Duration.ofMinutes(6);
  private static final Duration SPANS_ARRIVE = Duration.ofSeconds(90);
  private static final List<String> SERVICES = List.of("api-gateway", "order-service", "inventory", "payment");
  private static final String SERVER = "SPAN_KIND_SERVER";
  private static final String CLIENT = "SPAN_KIND_CLIENT";

  private static Process demo;
  private static final List<String> output = new ArrayList<>();
  private static URI query;
  private static URI spanMetrics;
  private static int postgresPort;
  private static final Map<String, URI> services = new LinkedHashMap<>();

  @BeforeAll
  static void startTheDemo() throws Exception {
    Path root = Path.of("..", "..", "..").toAbsolutePath().normalize();
    Path skeinJar = root.resolve("server").resolve("target").resolve("skein.jar");
    assertThat(skeinJar).as("the server jar, which the reactor builds before examples/shop").exists();
    Path work = Path.of("target", "shop-demo-it").toAbsolutePath();
    deleteRecursively(work);
    Path log = Files.createDirectories(work.getParent()).resolve("shop-demo-it.log");
    demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", skeinJar.toString(), "demo", "--free-ports", "--rate", "2", "--work", work.toString())
        .redirectErrorStream(true).start();
    Thread reader = new Thread(() -> copyOutput(log), "demo-output");
    reader.setDaemon(true);
    reader.start();

    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (!printed("The shop is open")) {
      if (!demo.isAlive()) {
        fail("the demo exited with status " + demo.exitValue() + " while starting:\n" + printedText());
      }
      if (System.nanoTime() > deadline) {
        fail("the demo did not open the shop within " + STARTUP.toMinutes() + " minutes:\n" + printedText());
      }
      Thread.sleep(250);
    }
    query = URI.create(printedUrl("Web UI"));
    spanMetrics = URI.create(printedUrl("Span metrics"));
    for (String s : SERVICES) {
      services.put(s, URI.create(printedUrl(s)));
    }
    Matcher pg = Pattern.compile("postgresql\\s+127\\.0\\.0\\.1:(\\d+)").matcher(printedText());
    assertThat(pg.find()).as(printedText()).isTrue();
    postgresPort = Integer.parseInt(pg.group(1));
    assertThat(printedText()).contains("Sample trace").contains("/trace/");
  }

  @AfterEach
  void switchFaultsOff() throws Exception {
    if (demo.isAlive()) {
      send(HttpRequest.newBuilder(gateway("/faults")).DELETE());
    }
  }

  @AfterAll
  static void stopTheDemoIfAFailureLeftItRunning() throws Exception {
    if (demo != null && demo.isAlive()) {
      List<ProcessHandle> family = demo.descendants().toList();
      demo.destroy();
      if (!demo.waitFor(120, TimeUnit.SECONDS)) {
        family.forEach(ProcessHandle::destroyForcibly);
        demo.destroyForcibly();
      }
    }
  }

  @Test
  @Order(1)
  void aSlowQueryTraceHasEveryServiceAndThePostgresQueryInOneTree() throws Exception {
    setFaults("{\"slow_inventory\": true}");
    HttpResponse<String> order = placeOrder("user-4242", "SKU-1003", 2, "mobile");
    assertThat(order.statusCode()).as(order.body()).isEqualTo(201);
    String orderId = JSON.readTree(order.body()).path("order_id").asText();

    Trace t = awaitTrace(traceId(order), trace -> trace.services().containsAll(SERVICES)
        && trace.find(s -> s.name.startsWith("SELECT")) != null
        && trace.find(s -> s.service.equals("payment") && s.attr("db.query.text").startsWith("INSERT")) != null
        && trace.find(s -> s.name.equals("order.process")) != null);

    Span gateway = t.one(s -> s.service.equals("api-gateway") && s.kind.equals(SERVER));
    assertThat(gateway.parentId).as("the gateway's span is the root").isEmpty();
    Span gatewayCall = t.one(s -> s.service.equals("api-gateway") && s.kind.equals(CLIENT));
    assertThat(gatewayCall.parentId).isEqualTo(gateway.id);
    Span orders = t.one(s -> s.service.equals("order-service") && s.kind.equals(SERVER));
    assertThat(orders.parentId).isEqualTo(gatewayCall.id);

    Span process = t.one(s -> s.name.equals("order.process"));
    assertThat(process.service).isEqualTo("order-service");
    assertThat(process.parentId).isEqualTo(orders.id);
    assertThat(process.attr("order.id")).isEqualTo(orderId);
    assertThat(process.attr("user.id")).isEqualTo("user-4242");
    assertThat(process.attr("order.source")).isEqualTo("mobile");
    assertThat(process.statusCode).isEqualTo("STATUS_CODE_OK");
    JsonNode authorized = process.event("payment.authorized");
    assertThat(authorized).as("the payment.authorized event").isNotNull();
    assertThat(textAttributes(authorized.path("attributes"))).containsEntry("payment.method", "card")
        .containsKey("payment.gateway_latency_ms");

    Span inventoryCall = t.one(s -> s.service.equals("order-service") && s.kind.equals(CLIENT)
        && s.attr("url.full").contains("/items"));
    assertThat(inventoryCall.parentId).isEqualTo(process.id);
    Span inventory = t.one(s -> s.service.equals("inventory") && s.kind.equals(SERVER));
    assertThat(inventory.parentId).isEqualTo(inventoryCall.id);
    Span select = t.one(s -> s.service.equals("inventory") && s.name.startsWith("SELECT"));
    assertThat(select.kind).isEqualTo(CLIENT);
    assertThat(select.parentId).isEqualTo(inventory.id);
    assertThat(select.attr("db.system.name")).isEqualTo("postgresql");
    assertThat(select.attr("db.query.text")).contains("pg_sleep");
    assertThat(select.durationMillis()).as("the slow query").isGreaterThanOrEqualTo(800);

    // Skein's explanation names the injected query as the first cause, linked to its span.
    HttpResponse<String> explained = get(query.resolve("/api/skein/traces/" + traceId(order) + "/explain"));
    assertThat(explained.statusCode()).as(explained.body()).isEqualTo(200);
    JsonNode firstCause = JSON.readTree(explained.body()).path("causes").path(0);
    assertThat(firstCause.path("spanID").asText()).as(explained.body()).isEqualTo(select.id);
    assertThat(firstCause.path("text").asText()).as(explained.body()).startsWith("inventory `SELECT")
        .containsPattern("took \\d+ ms");

    // Across the Java/Node.js boundary: payment's server span is the child of order-service's call.
    Span paymentCall = t.one(s -> s.service.equals("order-service") && s.kind.equals(CLIENT)
        && s.attr("url.full").contains("/payments"));
    assertThat(paymentCall.parentId).isEqualTo(process.id);
    Span payment = t.one(s -> s.service.equals("payment") && s.kind.equals(SERVER));
    assertThat(payment.parentId).isEqualTo(paymentCall.id);
    Span insert = t.one(s -> s.service.equals("payment") && s.attr("db.query.text").startsWith("INSERT INTO payments"));
    assertThat(insert.kind).isEqualTo(CLIENT);
    assertThat(insert.attr("db.system.name")).isEqualTo("postgresql");
    assertThat(t.ancestors(insert)).contains(payment);

    assertThat(t.resources.values()).as("the guide's resource processor ran on every batch")
        .allSatisfy(r -> assertThat(r).containsEntry("cluster.name", "production-us-east-1"));

    HttpResponse<String> jaeger = get(query.resolve("/api/traces/" + traceId(order)));
    assertThat(jaeger.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(jaeger.body()).path("data").get(0).path("processes").findValuesAsText("serviceName"))
        .containsAll(SERVICES);
  }

  @Test
  @Order(2)
  void aPaymentTimeoutShowsTheFailedClientSpanWithItsException() throws Exception {
    setFaults("{\"payment_timeout\": true}");
    HttpResponse<String> order = placeOrder("user-99", "SKU-1001", 1, "web");
    assertThat(order.statusCode()).as(order.body()).isEqualTo(504);
    assertThat(JSON.readTree(order.body()).path("error").asText()).isEqualTo("payment did not answer within 1000 ms");

    Trace t = awaitTrace(traceId(order), trace -> trace.services().containsAll(SERVICES)
        && trace.find(s -> s.name.equals("card.authorize")) != null
        && trace.find(s -> s.name.equals("order.process")) != null);

    Span paymentCall = t.one(s -> s.service.equals("order-service") && s.kind.equals(CLIENT)
        && s.attr("url.full").contains("/payments"));
    assertThat(paymentCall.statusCode).isEqualTo("STATUS_CODE_ERROR");
    JsonNode timeout = paymentCall.event("exception");
    assertThat(timeout).as("the client span's exception event").isNotNull();
    assertThat(textAttributes(timeout.path("attributes")))
        .containsEntry("exception.type", "java.net.http.HttpTimeoutException")
        .containsKey("exception.stacktrace");

    Span process = t.one(s -> s.name.equals("order.process"));
    assertThat(process.statusCode).isEqualTo("STATUS_CODE_ERROR");
    assertThat(process.statusMessage).isEqualTo("payment did not answer within 1000 ms");
    assertThat(textAttributes(process.event("exception").path("attributes")))
        .containsEntry("exception.message", "payment did not answer within 1000 ms");

    Span payment = t.one(s -> s.service.equals("payment") && s.kind.equals(SERVER));
    assertThat(payment.parentId).isEqualTo(paymentCall.id);
    Span spike = t.one(s -> s.name.equals("card.authorize"));
    assertThat(t.ancestors(spike)).contains(payment);
    assertThat(spike.endNanos).as("payment was still authorizing when order-service gave up")
        .isGreaterThan(paymentCall.endNanos);

    // "Why slow?" names the call that gave up, and that payment was still working then.
    HttpResponse<String> explained = get(query.resolve("/api/skein/traces/" + traceId(order) + "/explain"));
    assertThat(explained.statusCode()).as(explained.body()).isEqualTo(200);
    JsonNode firstCause = JSON.readTree(explained.body()).path("causes").path(0);
    assertThat(firstCause.path("kind").asText()).as(explained.body()).isEqualTo("timeout");
    assertThat(firstCause.path("spanID").asText()).as(explained.body()).isEqualTo(paymentCall.id);
    assertThat(firstCause.path("text").asText()).as(explained.body())
        .startsWith("order-service ").contains(" timed out after ").contains("was still working");
  }

  @Test
  @Order(3)
  void theServiceGraphAndTheSpanMetricsShowEveryServiceAndTheDatabase() throws Exception {
    List<List<String>> edges = List.of(
        List.of("api-gateway", "order-service", ""),
        List.of("order-service", "inventory", ""),
        List.of("order-service", "payment", ""),
        List.of("inventory", "postgresql", "database"),
        List.of("payment", "postgresql", "database"));
    List<Sample> metrics = List.of();
    long deadline = System.nanoTime() + SPANS_ARRIVE.toNanos();
    while (System.nanoTime() < deadline) {
      List<Sample> scraped = scrape();
      metrics = scraped;
      if (edges.stream().allMatch(e -> hasEdge(scraped, e)) && SERVICES.stream().allMatch(s -> hasCalls(scraped, s))) {
        break;
      }
      Thread.sleep(1000);
    }
    List<Sample> graph = metrics.stream().filter(m -> m.name.equals("traces_service_graph_request_total")).toList();
    for (List<String> e : edges) {
      assertThat(graph).as("the edge %s -> %s", e.get(0), e.get(1)).anySatisfy(m -> {
        assertThat(m.labels).containsEntry("client", e.get(0)).containsEntry("server", e.get(1))
            .containsEntry("connection_type", e.get(2));
        assertThat(m.value).isPositive();
      });
    }
    List<Sample> calls = metrics.stream().filter(m -> m.name.equals("traces_span_metrics_calls_total")).toList();
    assertThat(calls.stream().map(m -> m.labels.get("service_name")).collect(Collectors.toSet()))
        .containsAll(SERVICES);
    for (String s : List.of("inventory", "payment")) {
      assertThat(calls).as("%s's queries, labelled with the database", s).anySatisfy(m ->
          assertThat(m.labels).containsEntry("service_name", s).containsEntry("span_kind", CLIENT)
              .containsEntry("db_system_name", "postgresql"));
    }

    // The web UI's service map: Jaeger's dependencies, derived from the stored spans.
    JsonNode dependencies = JSON.readTree(get(query.resolve("/api/dependencies?endTs=" + System.currentTimeMillis()
        + "&lookback=3600000")).body()).path("data");
    List<List<String>> links = new ArrayList<>();
    dependencies.forEach(d -> links.add(List.of(d.path("parent").asText(), d.path("child").asText())));
    assertThat(links).containsAll(edges.stream().filter(e -> e.get(2).isEmpty()).map(e -> e.subList(0, 2)).toList());

    JsonNode listed = JSON.readTree(get(query.resolve("/api/services")).body()).path("data");
    List<String> names = new ArrayList<>();
    listed.forEach(n -> names.add(n.asText()));
    assertThat(names).containsExactlyInAnyOrderElementsOf(SERVICES);
  }

  @Test
  @Order(4)
  void healthChecksLeaveNoSpans() throws Exception {
    Map<String, String> probes = new LinkedHashMap<>();
    for (Map.Entry<String, URI> s : services.entrySet()) {
      // A sampled parent: had the service traced /health, its span would be stored under this ID.
      String traceId = randomHex(16);
      HttpResponse<String> health = send(HttpRequest.newBuilder(s.getValue().resolve("/health"))
          .header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01").GET());
      assertThat(health.statusCode()).as(s.getKey() + " /health").isEqualTo(200);
      probes.put(s.getKey(), traceId);
    }
    // Each service exports its spans in order, so once a later order's trace has arrived from all
    // four, any span of the health checks would have arrived too.
    HttpResponse<String> later = placeOrder("user-1", "SKU-1004", 1, "api");
    assertThat(later.statusCode()).as(later.body()).isEqualTo(201);
    awaitTrace(traceId(later), trace -> trace.services().containsAll(SERVICES)
        && trace.find(s -> s.service.equals("payment") && s.attr("db.query.text").startsWith("INSERT")) != null);

    for (Map.Entry<String, String> p : probes.entrySet()) {
      assertThat(get(query.resolve("/api/traces/" + p.getValue())).statusCode())
          .as("spans of %s's health check", p.getKey()).isEqualTo(404);
    }
    for (String s : SERVICES) {
      JsonNode operations = JSON.readTree(get(query.resolve("/api/services/" + s + "/operations")).body()).path("data");
      List<String> names = new ArrayList<>();
      operations.forEach(o -> names.add(o.asText()));
      assertThat(names).as("%s's operations", s).isNotEmpty().noneMatch(o -> o.contains("/health"));
    }
  }

  @Test
  @Order(5)
  void ctrlCStopsEverything() throws Exception {
    List<ProcessHandle> family = demo.descendants().toList();
    assertThat(family.size()).as("the supervisor, Skein and the four services").isGreaterThanOrEqualTo(6);
    // The terminal sends SIGINT to its foreground processes: skein demo and the supervisor it runs.
    List<String> kill = new ArrayList<>(List.of("kill", "-INT", Long.toString(demo.pid())));
    demo.children().forEach(c -> kill.add(Long.toString(c.pid())));
    assertThat(new ProcessBuilder(kill).inheritIO().start().waitFor()).isZero();

    assertThat(demo.waitFor(150, TimeUnit.SECONDS)).as("the demo stopped:\n" + printedText()).isTrue();
    assertThat(demo.exitValue()).isIn(0, 130);
    assertThat(printedText())
        .contains("stopped api-gateway", "stopped order-service", "stopped inventory", "stopped payment",
            "stopped skein", "stopped postgresql")
        .doesNotContain("killed after")
        .doesNotContain("Exception");
    for (ProcessHandle p : family) {
      assertThat(p.isAlive()).as("process %d (%s)", p.pid(), p.info().commandLine().orElse("?")).isFalse();
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", postgresPort), 2000);
      fail("PostgreSQL still accepts connections on " + postgresPort);
    } catch (IOException expected) {
      // Stopped.
    }
  }

  // --- the demo's output -------------------------------------------------------------------------

  private static void copyOutput(Path log) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
         PrintWriter copy = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        copy.println(line);
        synchronized (output) {
          output.add(line);
        }
      }
    } catch (IOException e) {
      synchronized (output) {
        output.add("(reading the demo's output failed: " + e + ")");
      }
    }
  }

  private static boolean printed(String text) {
    synchronized (output) {
      return output.stream().anyMatch(l -> l.contains(text));
    }
  }

  private static String printedText() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** The URL printed after {@code label} at the start of a line. */
  private static String printedUrl(String label) {
    Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(label) + "\\s+(http://\\S+)").matcher(printedText());
    assertThat(m.find()).as("a line \"%s <url>\" in:\n%s", label, printedText()).isTrue();
    return m.group(1);
  }

  // --- the shop ----------------------------------------------------------------------------------

  private static URI gateway(String path) {
    return services.get("api-gateway").resolve(path);
  }

  private static void setFaults(String json) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(gateway("/faults"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static HttpResponse<String> placeOrder(String user, String sku, int quantity, String source) throws Exception {
    String json = "{\"user_id\":\"" + user + "\",\"sku\":\"" + sku + "\",\"quantity\":" + quantity
        + ",\"source\":\"" + source + "\"}";
    return send(HttpRequest.newBuilder(gateway("/orders"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** The trace ID of the gateway's answer, from its {@code traceresponse} header. */
  private static String traceId(HttpResponse<?> r) {
    String header = r.headers().firstValue("traceresponse").orElse("");
    assertThat(header).as("the traceresponse header").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    return header.split("-")[1];
  }

  // --- Skein's query API -------------------------------------------------------------------------

  /** Polls {@code /api/v3/traces/{id}} until {@code complete} holds, within {@link #SPANS_ARRIVE}. */
  private static Trace awaitTrace(String traceId, Predicate<Trace> complete) throws Exception {
    Trace last = null;
    long deadline = System.nanoTime() + SPANS_ARRIVE.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(query.resolve("/api/v3/traces/" + traceId));
      if (r.statusCode() == 200) {
        last = Trace.parse(JSON.readTree(r.body()).path("result"));
        if (complete.test(last)) {
          return last;
        }
      }
      Thread.sleep(500);
    }
    return fail("trace " + traceId + " did not arrive complete within " + SPANS_ARRIVE.toSeconds() + " s; it has: "
        + (last == null ? "nothing" : last.spans.stream().map(s -> s.service + " " + s.name).toList()));
  }

  /** One trace from the v3 API's OTLP/JSON. */
  private record Trace(List<Span> spans, Map<String, Map<String, String>> resources) {
    static Trace parse(JsonNode tracesData) {
      List<Span> spans = new ArrayList<>();
      Map<String, Map<String, String>> resources = new LinkedHashMap<>();
      int i = 0;
      for (JsonNode rs : tracesData.path("resourceSpans")) {
        Map<String, String> resource = textAttributes(rs.path("resource").path("attributes"));
        resources.put("resource " + i++, resource);
        for (JsonNode ss : rs.path("scopeSpans")) {
          for (JsonNode s : ss.path("spans")) {
            spans.add(Span.parse(resource.getOrDefault("service.name", "?"), s));
          }
        }
      }
      return new Trace(spans, resources);
    }

    Set<String> services() {
      return spans.stream().map(s -> s.service).collect(Collectors.toSet());
    }

    Span find(Predicate<Span> p) {
      return spans.stream().filter(p).findFirst().orElse(null);
    }

    Span one(Predicate<Span> p) {
      List<Span> found = spans.stream().filter(p).toList();
      assertThat(found).as("one matching span among %s",
          spans.stream().map(s -> s.service + " " + s.kind + " " + s.name).toList()).hasSize(1);
      return found.get(0);
    }

    List<Span> ancestors(Span s) {
      List<Span> out = new ArrayList<>();
      for (Span p = parentOf(s); p != null; p = parentOf(p)) {
        out.add(p);
      }
      return out;
    }

    private Span parentOf(Span s) {
      return s.parentId.isEmpty() ? null : find(x -> x.id.equals(s.parentId));
    }
  }

  private record Span(String service, String name, String kind, String id, String parentId, long startNanos,
      long endNanos, Map<String, String> attributes, String statusCode, String statusMessage, JsonNode events) {
    static Span parse(String service, JsonNode s) {
      return new Span(service, s.path("name").asText(), kindName(s.path("kind").asInt()), s.path("spanId").asText(),
          s.path("parentSpanId").asText(""), s.path("startTimeUnixNano").asLong(), s.path("endTimeUnixNano").asLong(),
          textAttributes(s.path("attributes")), statusName(s.path("status").path("code").asInt()),
          s.path("status").path("message").asText(""), s.path("events"));
    }

    String attr(String key) {
      return attributes.getOrDefault(key, "");
    }

    long durationMillis() {
      return (endNanos - startNanos) / 1_000_000;
    }

    JsonNode event(String name) {
      for (JsonNode e : events) {
        if (e.path("name").asText().equals(name)) {
          return e;
        }
      }
      return null;
    }

    private static String kindName(int kind) {
      return List.of("SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", SERVER, CLIENT, "SPAN_KIND_PRODUCER",
          "SPAN_KIND_CONSUMER").get(kind);
    }

    private static String statusName(int code) {
      return List.of("STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR").get(code);
    }
  }

  /** OTLP/JSON attributes as text; numbers and booleans as written. */
  private static Map<String, String> textAttributes(JsonNode list) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode a : list) {
      JsonNode v = a.path("value");
      String text = v.has("stringValue") ? v.get("stringValue").asText()
          : v.has("intValue") ? v.get("intValue").asText()
          : v.has("doubleValue") ? v.get("doubleValue").asText()
          : v.has("boolValue") ? v.get("boolValue").asText()
          : v.toString();
      out.put(a.path("key").asText(), text);
    }
    return out;
  }

  // --- the span metrics endpoint -----------------------------------------------------------------

  private record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)}\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private static List<Sample> scrape() throws Exception {
    HttpResponse<String> r = get(spanMetrics);
    assertThat(r.statusCode()).isEqualTo(200);
    List<Sample> out = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
        out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
      }
    }
    return out;
  }

  private static boolean hasEdge(List<Sample> metrics, List<String> e) {
    return metrics.stream().anyMatch(m -> m.name.equals("traces_service_graph_request_total")
        && e.get(0).equals(m.labels.get("client")) && e.get(1).equals(m.labels.get("server")));
  }

  private static boolean hasCalls(List<Sample> metrics, String service) {
    return metrics.stream().anyMatch(m -> m.name.equals("traces_span_metrics_calls_total")
        && service.equals(m.labels.get("service_name")));
  }

  // --- plumbing ----------------------------------------------------------------------------------

  private static HttpResponse<String> get(URI uri) throws Exception {
    return send(HttpRequest.newBuilder(uri).GET());
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1; // never all zeros, which would be an invalid ID
    return HexFormat.of().formatHex(b);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
