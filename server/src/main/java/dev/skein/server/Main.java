package dev.skein.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
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

/** Skein's command line: {@code run}, {@code validate}, and the subcommands still to come. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "Skein 0.1.0",
    description = "An OpenTelemetry tracing backend: OTLP in, Collector pipelines, durable storage, Jaeger APIs out.",
    subcommands = {Main.Run.class, Main.Validate.class, Main.Demo.class, Main.Bench.class})
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

  @Command(name = "demo", description = "Runs the guide's full-stack demo (not available yet).")
  static final class Demo implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("skein demo is not available yet.");
      return 2;
    }
  }

  @Command(name = "bench", description = "Runs the benchmarks (not available yet).")
  static final class Bench implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("skein bench is not available yet.");
      return 2;
    }
  }
}
