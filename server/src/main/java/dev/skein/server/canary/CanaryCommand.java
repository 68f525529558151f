package dev.skein.server.canary;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import dev.skein.model.GoDuration;
import dev.skein.model.Nullable;
import dev.skein.pipeline.config.Endpoint;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein canary}: writes traces to a running server continuously (or a fixed number with
 * {@code --once}), reads each back after a delay by ID through Jaeger's and Tempo's APIs and through
 * Tempo's search, and reports every trace that is missing, incomplete or changed. Exit code 0 when
 * nothing was, 1 when something was, 2 for a bad option. The design follows Tempo's vulture: the
 * traces are built from a seed (see {@link CanaryTrace}), so the canary remembers only seeds.
 */
@Command(name = "canary", mixinStandardHelpOptions = true,
    description = {"Writes traces to a Skein server and reads them back by ID (Jaeger and Tempo APIs) and through "
        + "search; reports missing and incorrect traces. Runs until Ctrl-C or --duration, or once with --once.",
        "See docs/operations.md."})
public final class CanaryCommand implements Callable<Integer> {
  @Option(names = "--target", required = true, paramLabel = "URL",
      description = "The server's query API, e.g. http://127.0.0.1:16686.")
  String target;

  @Option(names = "--otlp", paramLabel = "URL",
      description = "Where to write, OTLP/HTTP protobuf (default: the target's host, port 4318, /v1/traces).")
  @Nullable String otlp;

  @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
      description = "How often a trace is written (default: ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--read-delay", paramLabel = "DURATION", defaultValue = "10s",
      description = "How long after writing a trace it is read back (default: ${DEFAULT-VALUE}).")
  String readDelay;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "Write for this long, read back what is pending, then stop (default: until Ctrl-C).")
  @Nullable String duration;

  @Option(names = "--once",
      description = "Write --traces traces, wait for the read delay, check them all, print the report and exit.")
  boolean once;

  @Option(names = "--traces", paramLabel = "N", defaultValue = "20",
      description = "How many traces --once writes (default: ${DEFAULT-VALUE}).")
  int traces;

  @Option(names = "--service", paramLabel = "NAME", defaultValue = "skein-canary",
      description = "The root service of the canary's traces; the others are NAME-api and NAME-db (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SKEIN_CANARY_TOKEN}",
      description = "Sent as Authorization: Bearer TOKEN on every request (default: $SKEIN_CANARY_TOKEN).")
  @Nullable String token;

  @Option(names = "--metrics-endpoint", paramLabel = "HOST:PORT",
      description = "Serve the canary's counters for Prometheus at http://HOST:PORT/metrics.")
  @Nullable String metricsEndpoint;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Canary.Settings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      err.println("skein canary: " + e.getMessage());
      err.flush();
      return 2;
    }
    Canary canary = new Canary(settings, out);
    Server metrics = null;
    if (metricsEndpoint != null) {
      try {
        metrics = metricsServer(metricsEndpoint, canary.counters());
      } catch (IllegalStateException e) {
        err.println("skein canary: " + e.getMessage());
        err.flush();
        return 1;
      }
      out.println("Canary metrics: http://" + metricsEndpoint + "/metrics");
    }
    // Ctrl-C ends a continuous run: the canary stops and prints its summary before the JVM exits.
    Thread hook = new Thread(() -> {
      canary.stop();
      try {
        canary.awaitDone(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "skein-canary-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return canary.run();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The run ended because the JVM is stopping; the hook is running.
      }
      if (metrics != null) {
        metrics.stop().join();
      }
    }
  }

  Canary.Settings settings() {
    URI targetUri = httpUrl("--target", target, "the query API's base URL, such as http://127.0.0.1:16686");
    URI otlpUri;
    if (otlp == null) {
      otlpUri = withPath(targetUri.getScheme(), targetUri.getHost(), 4318, "/v1/traces");
    } else {
      otlpUri = httpUrl("--otlp", otlp, "an OTLP/HTTP URL, such as http://127.0.0.1:4318/v1/traces");
      if (otlpUri.getPath() == null || otlpUri.getPath().isEmpty() || otlpUri.getPath().equals("/")) {
        otlpUri = withPath(otlpUri.getScheme(), otlpUri.getHost(), otlpUri.getPort(), "/v1/traces");
      }
    }
    Duration every = duration("--interval", interval);
    if (every.isZero()) {
      throw new IllegalArgumentException("--interval: \"" + interval + "\" (expected: above 0, such as 1s or 500ms)");
    }
    Duration delay = duration("--read-delay", readDelay);
    Duration runFor = null;
    if (duration != null) {
      if (once) {
        throw new IllegalArgumentException("--duration: cannot be combined with --once (expected: one of them)");
      }
      runFor = duration("--duration", duration);
      if (runFor.isZero()) {
        throw new IllegalArgumentException("--duration: \"" + duration + "\" (expected: above 0, such as 10m)");
      }
    }
    if (traces < 1 || traces > 100_000) {
      throw new IllegalArgumentException("--traces: " + traces + " (expected: 1 to 100000)");
    }
    if (service.isBlank()) {
      throw new IllegalArgumentException("--service: \"" + service + "\" (expected: a service name)");
    }
    if (metricsEndpoint != null) {
      String problem = Endpoint.problem("--metrics-endpoint", metricsEndpoint);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    String bearer = token == null || token.isBlank() ? null : token.strip();
    return new Canary.Settings(targetUri, otlpUri, bearer, every, delay, runFor, once, traces, service);
  }

  private static URI httpUrl(String option, String value, String expected) {
    try {
      URI uri = new URI(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getQuery() == null && uri.getFragment() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // Reported below with the option's name.
    }
    throw new IllegalArgumentException(option + ": \"" + value + "\" (expected: " + expected + ")");
  }

  private static URI withPath(String scheme, String host, int port, String path) {
    try {
      return new URI(scheme, null, host, port, path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Duration duration(String option, String value) {
    Duration d;
    try {
      d = GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException(option + ": \"" + value + "\" (expected: not negative, such as 10s)");
    }
    return d;
  }

  private static Server metricsServer(String endpoint, Counters counters) {
    InetSocketAddress a = Endpoint.parse(endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    Server server = Server.builder().port(bind, SessionProtocol.HTTP)
        .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
            MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), counters.prometheus()))
        .build();
    try {
      server.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("--metrics-endpoint: cannot listen on " + endpoint + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    return server;
  }
}
