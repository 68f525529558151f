package dev.skein.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.server.canary.CanaryCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Skein's command line: {@code run}, {@code validate}, {@code demo}, {@code bench} and {@code canary}. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "Skein 0.1.0",
    description = "An OpenTelemetry tracing backend: OTLP in, Collector pipelines, durable storage, Jaeger APIs out.",
    subcommands = {Main.Run.class, Main.Validate.class, Main.Demo.class, Main.Bench.class, CanaryCommand.class})
public final class Main implements Callable<Integer> {
  static final String DEFAULT_CONFIG = "default-config.yaml";

  @Override
  public Integer call() throws Exception {
    return new CommandLine(new Run()).execute();
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  /** Reads the default configuration, or the given files merged in order. */
  static ObjectNode load(List<Path> files) throws ConfigException {
    if (!files.isEmpty()) {
      return ConfigSource.load(files);
    }
    return ConfigSource.parse(defaultConfigText(), System::getenv);
  }

  static String defaultConfigText() {
    try (InputStream in = Main.class.getClassLoader().getResourceAsStream(DEFAULT_CONFIG)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException(DEFAULT_CONFIG + " is missing from the jar", e);
    }
  }

  /**
   * Applies {@code service::telemetry::logs::level} (debug, info, warn, error). It must run before
   * the first logger is created, which is why Skein resolves its configuration without logging.
   */
  static void applyLogLevel(String level) {
    if (List.of("debug", "info", "warn", "error").contains(level.toLowerCase(java.util.Locale.ROOT))) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level.toLowerCase(java.util.Locale.ROOT));
    }
  }

  static void printErrors(PrintWriter err, ConfigException e) {
    err.println("The configuration has " + e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s") + ":");
    e.errors().forEach(msg -> err.println("  " + msg));
    err.flush();
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Starts the all-in-one server (the default when no subcommand is given).")
  static final class Run implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
        description = "A configuration file in the Collector's YAML; repeat to merge several in order.")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--print-default-config", description = "Prints the default configuration and exits.")
    boolean printDefault;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (printDefault) {
        out.print(defaultConfigText());
        out.flush();
        return 0;
      }
      ResolvedConfig config;
      java.util.Optional<String> metricsAddress;
      try {
        config = ResolvedConfig.resolve(load(configs), ComponentRegistry.load());
        metricsAddress = TelemetryServer.address(config.telemetry().orElse(null));
      } catch (ConfigException e) {
        printErrors(err, e);
        return 1;
      }
      applyLogLevel(config.telemetry().map(t -> t.path("logs").path("level").asText("")).orElse(""));
      long t0 = System.nanoTime();
      Telemetry telemetry = new Telemetry();
      Service service = Service.create(config, telemetry);
      CountDownLatch stopped = new CountDownLatch(1);
      TelemetryServer[] metrics = new TelemetryServer[1];
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        service.shutdown();
        if (metrics[0] != null) {
          metrics[0].close();
        }
        stopped.countDown();
      }, "skein-shutdown"));
      try {
        if (metricsAddress.isPresent()) {
          metrics[0] = TelemetryServer.start(metricsAddress.get(), telemetry);
          out.printf("Skein's own metrics: http://%s/metrics%n", metricsAddress.get());
        }
        service.start();
      } catch (Exception e) {
        err.println("Skein failed to start: " + e.getMessage());
        err.flush();
        return 1;
      }
      out.printf("Skein started in %d ms (%s). Stop it with Ctrl-C.%n",
          (System.nanoTime() - t0) / 1_000_000, configs.isEmpty() ? "default configuration" : configs);
      out.flush();
      stopped.await();
      return 0;
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Checks a configuration without starting it; prints every error with its YAML path.")
  static final class Validate implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "A configuration file; repeat to merge several.")
    List<Path> configs = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        ResolvedConfig c = ResolvedConfig.resolve(load(configs), ComponentRegistry.load());
        TelemetryServer.address(c.telemetry().orElse(null));
        spec.commandLine().getOut().println("The configuration is valid: " + c.pipelines().size()
            + " pipeline" + (c.pipelines().size() == 1 ? "" : "s") + ", " + c.extensions().size() + " extensions.");
        spec.commandLine().getOut().flush();
        return 0;
      } catch (ConfigException e) {
        printErrors(spec.commandLine().getErr(), e);
        return 1;
      }
    }
  }

  /**
   * Hands over to the shop demo's supervisor ({@code examples/shop/demo/target/shop-demo.jar} of the
   * checkout this jar was built in), which runs PostgreSQL, this jar, the four services and a load
   * driver as processes of their own. The demo lives beside the server rather than inside it: it
   * runs services from the checkout (their jars, the Node.js service, the agent). {@code ./skein demo}
   * builds it first.
   */
  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = {"Runs the tracing guide's shop: a private PostgreSQL, Skein with the guide's collector "
          + "configuration, four services in Java and Node.js, and steady traffic; prints the web UI and a sample "
          + "trace. Ctrl-C stops everything.",
          "Run it as ./skein demo from a source checkout, which builds the demo first. See docs/demo.md."})
  static final class Demo implements Callable<Integer> {
    @Option(names = "--rate", paramLabel = "N", defaultValue = "2",
        description = "Orders a second from the load driver, 0 to 100 (default: ${DEFAULT-VALUE}; 0 sends none).")
    double rate;

    @Option(names = "--free-ports",
        description = "Listen on free ports of 127.0.0.1 instead of Skein's standard ports and 8080-8083.")
    boolean freePorts;

    @Option(names = "--work", paramLabel = "DIR",
        description = "Keep Skein's data and the logs in DIR (default: a temporary directory, removed at exit).")
    Path work;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      if (!(rate >= 0 && rate <= 100)) {
        err.println("--rate: " + rate + " (expected: 0 to 100)");
        err.flush();
        return 2;
      }
      Path serverJar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
      // server/target/skein.jar -> the checkout's root
      Path root = serverJar.getParent().getParent().getParent();
      Path supervisor = root.resolve("examples/shop/demo/target/shop-demo.jar");
      if (!java.nio.file.Files.isRegularFile(supervisor)) {
        err.println("skein demo: the demo " + supervisor + " is not built"
            + " (expected: run ./skein demo from a source checkout, which builds it)");
        err.flush();
        return 2;
      }
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", supervisor.toString(), "--root", root.toString(), "--skein-jar", serverJar.toString(),
          "--rate", Double.toString(rate)));
      if (freePorts) {
        command.add("--free-ports");
      }
      if (work != null) {
        command.addAll(List.of("--work", work.toAbsolutePath().toString()));
      }
      Process demo = new ProcessBuilder(command).inheritIO().start();
      // Ctrl-C reaches both processes; a SIGTERM sent to this one alone is passed on. Either way this
      // process waits for the demo's orderly stop before it exits.
      Thread stop = new Thread(() -> {
        demo.destroy();
        try {
          demo.waitFor(90, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "skein-demo-stop");
      Runtime.getRuntime().addShutdownHook(stop);
      int status = demo.waitFor();
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException shuttingDown) {
        // The demo ended because this JVM is stopping; the hook has run or is running.
      }
      return status;
    }
  }

  /**
   * Hands over to the benchmark runner ({@code bench/target/skein-bench.jar} of the checkout this
   * jar was built in, or {@code SKEIN_BENCH_JAR}), which drives this jar as a separate process.
   * The runner is not inside the server jar: it carries JMH and a load generator, and fetches
   * Zipkin server to compare against. {@code ./skein bench} builds both first.
   */
  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = {"Runs the benchmarks against this jar and writes Markdown and CSV results to bench/results.",
          "Run it as ./skein bench SUITE [--quick] from a source checkout: that builds the benchmark runner and "
              + "fetches Zipkin server first."})
  static final class Bench implements Callable<Integer> {
    static final List<String> SUITES = List.of("ingest", "query", "metrics", "reliability", "all");

    @CommandLine.Parameters(index = "0", paramLabel = "SUITE",
        description = "ingest, query, metrics, reliability or all.")
    String suite;

    @Option(names = "--quick", description = "A short run (about ten minutes for all) instead of the full one.")
    boolean quick;

    @CommandLine.Unmatched
    List<String> runnerOptions = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      if (!SUITES.contains(suite.toLowerCase(java.util.Locale.ROOT))) {
        err.println("SUITE: " + suite + " (expected: ingest, query, metrics, reliability or all)");
        err.flush();
        return 2;
      }
      Path serverJar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // server/target/skein.jar -> the checkout's root
      Path root = serverJar.toAbsolutePath().getParent().getParent().getParent();
      String override = System.getenv("SKEIN_BENCH_JAR");
      Path runner = override != null && !override.isEmpty() ? Path.of(override) : root.resolve("bench/target/skein-bench.jar");
      if (!java.nio.file.Files.isRegularFile(runner)) {
        err.println("skein bench: the benchmark runner " + runner + " is not built"
            + " (expected: run ./skein bench " + suite + " from a source checkout, which builds it)");
        err.flush();
        return 2;
      }
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", runner.toString(), suite, "--server-jar", serverJar.toString(),
          "--zipkin-jar", root.resolve("bench/target/zipkin/zipkin-server-exec.jar").toString(),
          "--results", root.resolve("bench/results").toString(), "--work", root.resolve("bench/target/work").toString()));
      if (quick) {
        command.add("--quick");
      }
      command.addAll(runnerOptions);
      return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
  }
}
