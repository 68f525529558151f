package dev.skein.examples.shop.demo;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code skein demo}: the tracing guide's shop, running. It starts a private PostgreSQL, Skein with
 * the guide's collector configuration and {@code examples/shop/skein-overrides.yaml}, the services
 * api-gateway, order-service and inventory (Java, under the OpenTelemetry Java agent) and payment
 * (Node.js), and a load driver; it prints the web UI's address and a sample trace, and runs until
 * it is interrupted (Ctrl-C, SIGTERM), when it stops everything in order: the traffic, the services
 * from the front (each flushes its last spans), Skein, then PostgreSQL.
 *
 * <p>Exit status: 1 when something fails to start (everything started is stopped again), 2 for a
 * wrong command line; otherwise that of an interrupted JVM (130 after Ctrl-C, 143 after SIGTERM).
 */
public final class ShopDemo {
  private static final Duration SKEIN_START = Duration.ofSeconds(120);
  private static final Duration SERVICE_START = Duration.ofSeconds(180);
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final Options options;
  private final Layout layout;
  private final Ports ports;
  private final Path work;
  private final Path logs;
  private final Deque<Child> running = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private Postgres postgres;
  private LoadDriver load;
  private boolean stopping;
  private boolean failed;

  private ShopDemo(Options options, Layout layout, Ports ports, Path work) {
    this.options = options;
    this.layout = layout;
    this.ports = ports;
    this.work = work;
    this.logs = work.resolve("logs");
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("skein demo: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(Options.USAGE);
      return;
    }
    System.exit(run(options));
  }

  /** Runs the demo until the JVM is asked to stop; returns only when starting failed. */
  static int run(Options options) {
    Layout layout = new Layout(options.root, options.skeinJar != null ? options.skeinJar
        : options.root.resolve("server").resolve("target").resolve("skein.jar"));
    ShopDemo demo;
    try {
      layout.check();
      Path work = options.work != null ? Files.createDirectories(options.work)
          : Files.createTempDirectory("skein-demo-");
      Files.createDirectories(work.resolve("logs"));
      demo = new ShopDemo(options, layout, options.freePorts ? Ports.allFree() : Ports.standard(), work);
    } catch (DemoException | IOException e) {
      System.err.println("skein demo: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "skein-demo-stop"));
    try {
      demo.start();
    } catch (DemoException | IOException | RuntimeException e) {
      System.err.println("skein demo: " + e.getMessage());
      demo.failed = true;
      demo.stop();
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    try {
      demo.stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private void start() throws DemoException, IOException, InterruptedException {
    System.out.println("Starting the shop demo: PostgreSQL, Skein, api-gateway, order-service, inventory, payment.");
    System.out.println("Logs: " + logs);
    long t0 = System.nanoTime();

    Child skein = launch("skein", List.of(java(), "-Xmx1g", "-jar", layout.skeinJar().toString(), "run",
        "--config", layout.guideConfig().toString(), "--config", layout.overrides().toString()),
        layout.root(), skeinEnvironment());
    installPaymentPackages();
    adopt(Postgres.start(ports.postgres(), layout.schema(), logs));
    System.out.printf("  %-14s 127.0.0.1:%d, database %s%n", "postgresql", ports.postgres(), Postgres.DATABASE);
    skein.awaitReady(URI.create("http://127.0.0.1:" + ports.health() + "/"), SKEIN_START, null);
    System.out.printf("  %-14s %s%n", "skein", "http://" + ports.urlHost() + ":" + ports.query() + "/");

    Map<String, Child> services = new LinkedHashMap<>();
    Map<String, Integer> servicePorts = Map.of("api-gateway", ports.gateway(), "order-service", ports.orders(),
        "inventory", ports.inventory(), "payment", ports.payment());
    for (String name : List.of("inventory", "payment", "order-service", "api-gateway")) {
      services.put(name, name.equals("payment") ? launchPayment() : launchJavaService(name));
    }
    for (Map.Entry<String, Child> e : services.entrySet()) {
      String url = "http://127.0.0.1:" + servicePorts.get(e.getKey());
      // A Java agent that cannot start leaves the service running untraced; that is a failure here.
      e.getValue().awaitReady(URI.create(url + "/health"), SERVICE_START,
          e.getKey().equals("payment") ? null : "OpenTelemetry Javaagent failed to start");
      System.out.printf("  %-14s %s%n", e.getKey(), url);
    }
    System.out.printf("Everything started in %.0f s.%n", (System.nanoTime() - t0) / 1e9);

    URI gateway = URI.create("http://127.0.0.1:" + ports.gateway());
    load = new LoadDriver(gateway);
    warmUp();
    String sample = sampleTrace();
    load.start(options.rate, Duration.ofSeconds(30));
    printWelcome(gateway, sample);
  }

  /**
   * A few requests to each service before the sample order, from the back end to the front: the
   * first requests a JVM serves under the agent are slow while classes load and get instrumented,
   * and an order through four cold services would time out on the way. Warmed one by one, the
   * sample trace shows the shop as it runs.
   */
  private void warmUp() throws InterruptedException {
    String item = "/items?sku=SKU-1001";
    String payment = "{\"order_id\":\"warm-up\",\"user_id\":\"user-0\",\"amount_cents\":100}";
    String order = "{\"user_id\":\"user-0\",\"sku\":\"SKU-1001\"}";
    List<HttpRequest> requests = List.of(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.inventory() + item))
            .timeout(Duration.ofSeconds(30)).GET().build(),
        post(ports.payment(), "/payments", payment),
        post(ports.orders(), "/orders", order),
        post(ports.gateway(), "/orders", order));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (HttpRequest r : requests) {
      for (int i = 0; i < 3; i++) {
        try {
          http.send(r, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          System.err.println("skein demo: warming up with " + r.uri() + " failed: " + e.getMessage());
        }
      }
    }
  }

  private static HttpRequest post(int port, String path, String json) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  /** Places one order and waits until Skein has its trace from all four services; returns its ID. */
  private String sampleTrace() throws InterruptedException {
    try {
      LoadDriver.Placed order = load.place("user-7", "SKU-1002", 1, "web");
      if (order.traceId() == null) {
        return null;
      }
      HttpClient http = HttpClient.newHttpClient();
      URI trace = URI.create("http://127.0.0.1:" + ports.query() + "/api/traces/" + order.traceId());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(trace).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && Stream.of("api-gateway", "order-service", "inventory", "payment")
            .allMatch(s -> r.body().contains("\"serviceName\":\"" + s + "\""))) {
          break;
        }
        Thread.sleep(500);
      }
      return order.traceId();
    } catch (IOException e) {
      System.err.println("skein demo: the sample order failed: " + e.getMessage());
      return null;
    }
  }

  private void printWelcome(URI gateway, String sampleTraceId) {
    String ui = "http://" + ports.urlHost() + ":" + ports.query();
    StringBuilder b = new StringBuilder();
    b.append("\nThe shop is open. Open the web UI and follow docs/demo.md:\n\n");
    b.append(String.format("  %-14s %s/%n", "Web UI", ui));
    if (sampleTraceId != null) {
      b.append(String.format("  %-14s %s/trace/%s%n", "Sample trace", ui, sampleTraceId));
    }
    b.append(String.format("  %-14s %s/map%n", "Service map", ui));
    b.append(String.format("  %-14s http://%s:%d/metrics%n", "Span metrics", ports.urlHost(), ports.spanMetrics()));
    b.append(String.format("  %-14s %s/api/traces/<trace-id>%n", "Query API", ui));
    b.append("\nFault switches on the gateway (each stays on until switched off; DELETE /faults turns all off):\n");
    String faults = "  curl -X POST " + gateway + "/faults -d ";
    b.append(faults).append(String.format("%-27s %s%n", "'{\"slow_inventory\": true}'", "inventory's query sleeps 800 ms"));
    b.append(faults).append(String.format("%-27s %s%n", "'{\"payment_timeout\": true}'", "payment takes 1,200 ms; order-service gives up at 1 s"));
    b.append(faults).append(String.format("%-27s %s%n", "'{\"error_rate\": 0.2}'", "a fifth of the payments fail"));
    b.append("\nPlace an order yourself: curl -i -X POST ").append(gateway).append("/orders")
        .append(" -d '{\"user_id\": \"user-1\", \"sku\": \"SKU-1003\"}'\n");
    b.append(options.rate > 0
        ? String.format("The load driver places %s orders a second.", formatRate(options.rate))
        : "The load driver is off (--rate 0).");
    b.append(" Stop everything with Ctrl-C.\n");
    System.out.print(b);
    System.out.flush();
  }

  private static String formatRate(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }

  private Map<String, String> skeinEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SKEIN_DATA", work.resolve("skein-data").toString());
    env.put("SKEIN_OTLP_GRPC_ENDPOINT", ports.skein(ports.otlpGrpc()));
    env.put("SKEIN_OTLP_HTTP_ENDPOINT", ports.skein(ports.otlpHttp()));
    env.put("SKEIN_QUERY_ENDPOINT", ports.skein(ports.query()));
    env.put("SKEIN_SPANMETRICS_ENDPOINT", ports.skein(ports.spanMetrics()));
    env.put("SKEIN_HEALTH_ENDPOINT", ports.skein(ports.health()));
    env.put("SKEIN_TELEMETRY_ENDPOINT", ports.skein(ports.telemetry()));
    return env;
  }

  private Child launchJavaService(String name) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OTEL_SERVICE_NAME", name);
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + ports.otlpHttp());
    env.put("HOST", "127.0.0.1");
    switch (name) {
      case "api-gateway" -> {
        env.put("PORT", Integer.toString(ports.gateway()));
        env.put("ORDER_SERVICE_URL", "http://127.0.0.1:" + ports.orders());
      }
      case "order-service" -> {
        env.put("PORT", Integer.toString(ports.orders()));
        env.put("INVENTORY_URL", "http://127.0.0.1:" + ports.inventory());
        env.put("PAYMENT_URL", "http://127.0.0.1:" + ports.payment());
      }
      case "inventory" -> {
        env.put("PORT", Integer.toString(ports.inventory()));
        env.putAll(databaseEnvironment());
      }
      default -> throw new IllegalArgumentException("no Java service named " + name);
    }
    return launch(name, List.of(java(), "-Xmx256m", "-XX:+UseSerialGC",
        "-javaagent:" + layout.agentJar(),
        "-Dotel.config.file=" + layout.agentConfig(),
        "-jar", layout.serviceJar(name).toString()), layout.shop().resolve(name), env);
  }

  private Child launchPayment() throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OTEL_SERVICE_NAME", "payment");
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + ports.otlpGrpc());
    // As the Java agent's configuration: export after 1 s rather than the SDK's 5 s.
    env.put("OTEL_BSP_SCHEDULE_DELAY", "1000");
    // Skein receives traces only; the SDK would otherwise also try to export logs and metrics.
    env.put("OTEL_LOGS_EXPORTER", "none");
    env.put("OTEL_METRICS_EXPORTER", "none");
    env.put("HOST", "127.0.0.1");
    env.put("PORT", Integer.toString(ports.payment()));
    env.putAll(databaseEnvironment());
    return launch("payment", List.of("node", "--require", "./tracing.js", "server.js"), layout.payment(), env);
  }

  private Map<String, String> databaseEnvironment() {
    return Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(ports.postgres()),
        "PGDATABASE", Postgres.DATABASE, "PGUSER", Postgres.USER);
  }

  /** {@code npm ci} in payment/ when its node_modules is missing or older than package-lock.json. */
  private void installPaymentPackages() throws DemoException, IOException, InterruptedException {
    Path lock = layout.payment().resolve("package-lock.json");
    Path installed = layout.payment().resolve("node_modules").resolve(".package-lock.json");
    if (Files.exists(installed) && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    System.out.println("  installing payment's npm packages (npm ci)...");
    Path log = logs.resolve("npm-ci.log");
    Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(layout.payment().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!p.waitFor(600, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new DemoException("npm ci in " + layout.payment() + " did not finish within 10 minutes; see " + log);
    }
    if (p.exitValue() != 0) {
      throw new DemoException("npm ci in " + layout.payment() + " failed with status " + p.exitValue() + "; see " + log);
    }
  }

  private synchronized Child launch(String name, List<String> command, Path dir, Map<String, String> env)
      throws IOException {
    if (stopping) {
      throw new IllegalStateException("the demo is stopping");
    }
    Child c = Child.start(name, command, dir, env, logs);
    running.push(c);
    return c;
  }

  /** Keeps the started cluster for {@link #stop}, or stops it at once when stopping began meanwhile. */
  private void adopt(Postgres pg) throws InterruptedException {
    synchronized (this) {
      if (!stopping) {
        postgres = pg;
        return;
      }
    }
    pg.stop();
    throw new IllegalStateException("the demo is stopping");
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Stops everything started so far, last started first: the load, the gateway, order-service, the
   * back-end services, Skein (which drains its pipeline into storage), then PostgreSQL. Idempotent.
   */
  void stop() {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    try {
      if (!failed) {
        System.out.println("\nStopping the shop demo...");
      }
      if (load != null) {
        load.stop();
      }
      Child c;
      while ((c = pollRunning()) != null) {
        int status = c.stop(STOP_GRACE);
        System.out.printf("  stopped %s%s%n", c.name, status == -1 ? " (killed after " + STOP_GRACE.toSeconds() + " s)" : "");
      }
      if (postgres != null) {
        postgres.stop();
        System.out.println("  stopped postgresql");
      }
      if (options.work == null && !failed) {
        deleteRecursively(work);
      } else {
        System.out.println("Logs and data kept in " + work);
      }
      System.out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }

  private synchronized Child pollRunning() {
    return running.poll();
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("skein demo: " + dir + " could not be deleted: " + e.getMessage());
    }
  }

  /** The command line. */
  static final class Options {
    static final String USAGE = String.join("\n",
        "Usage: skein demo [--rate N] [--free-ports] [--work DIR] [--root DIR] [--skein-jar FILE]",
        "Runs the tracing guide's shop: a private PostgreSQL, Skein with the guide's collector configuration,",
        "the api-gateway, order-service and inventory services (Java) and payment (Node.js), and steady traffic.",
        "  --rate N          orders a second from the load driver (default 2; 0 sends none)",
        "  --free-ports      listen on free ports of 127.0.0.1 instead of Skein's standard ports and 8080-8083",
        "  --work DIR        keep Skein's data and the logs in DIR (default: a temporary directory, removed at exit)",
        "  --root DIR        the Skein repository (default: the one this program was built in)",
        "  --skein-jar FILE  the Skein server jar (default: ROOT/server/target/skein.jar)",
        "  -h, --help        prints this help");

    Path root = defaultRoot();
    Path skeinJar;
    Path work;
    double rate = 2;
    boolean freePorts;
    boolean help;

    static Options parse(String... args) {
      Options o = new Options();
      List<String> rest = new ArrayList<>(List.of(args));
      while (!rest.isEmpty()) {
        String arg = rest.remove(0);
        switch (arg) {
          case "-h", "--help" -> o.help = true;
          case "--free-ports" -> o.freePorts = true;
          case "--rate" -> {
            String v = value(arg, rest);
            try {
              o.rate = Double.parseDouble(v);
            } catch (NumberFormatException e) {
              o.rate = -1;
            }
            if (!(o.rate >= 0 && o.rate <= 100)) {
              throw new IllegalArgumentException("--rate: " + v + " (expected: a number from 0 to 100)");
            }
          }
          case "--work" -> o.work = Path.of(value(arg, rest)).toAbsolutePath();
          case "--root" -> o.root = Path.of(value(arg, rest)).toAbsolutePath().normalize();
          case "--skein-jar" -> o.skeinJar = Path.of(value(arg, rest)).toAbsolutePath();
          default -> throw new IllegalArgumentException("unknown argument \"" + arg + "\"");
        }
      }
      requireNonNull(o.root, "root");
      return o;
    }

    private static String value(String option, List<String> rest) {
      if (rest.isEmpty()) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return rest.remove(0);
    }

    /** The repository this class was built in: the jar is ROOT/examples/shop/demo/target/shop-demo.jar. */
    private static Path defaultRoot() {
      try {
        Path location = Path.of(ShopDemo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // target/shop-demo.jar and target/classes both sit in target/, four levels below the root.
        Path root = location.getParent().getParent().getParent().getParent().getParent();
        return root != null ? root : Path.of("").toAbsolutePath();
      } catch (URISyntaxException | NullPointerException | SecurityException e) {
        return Path.of("").toAbsolutePath();
      }
    }
  }
}
