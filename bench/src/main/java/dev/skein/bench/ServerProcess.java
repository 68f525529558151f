package dev.skein.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A server under test as a separate process on free loopback ports: Skein's real jar with the
 * default configuration (the ports and data directory set through the environment variables that
 * configuration reads) and the default JVM options the jar carries in {@code jvm.options}, as
 * {@code ./skein} runs it, or Zipkin server's exec jar with its default in-memory storage.
 */
final class ServerProcess {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Duration STARTUP = Duration.ofMinutes(3);

  final String name;
  final Path log;
  final Map<String, Integer> ports;
  private final Process process;
  private final String healthUrl;
  private double startupSeconds;

  private ServerProcess(String name, List<String> command, Map<String, String> env, Path log,
      Map<String, Integer> ports, String healthUrl) throws IOException {
    this.name = name;
    this.log = log;
    this.ports = ports;
    this.healthUrl = healthUrl;
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    Files.createDirectories(log.getParent());
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    this.process = pb.start();
  }

  /** Starts {@code java -jar skein.jar run} with its data in {@code data}; returns once healthy. */
  static ServerProcess skein(Path jar, Path data, Path log) throws IOException, InterruptedException {
    return skein(jar, data, log, List.of());
  }

  /**
   * Starts {@code java -jar skein.jar run} with the configuration files {@code configs} merged in
   * order (the default configuration when there are none), its data in {@code data} and every
   * endpoint on a free port, through the variables the default configuration reads; returns once
   * healthy.
   */
  static ServerProcess skein(Path jar, Path data, Path log, List<Path> configs)
      throws IOException, InterruptedException {
    return skein(jar, data, log, configs, List.of());
  }

  /**
   * As {@link #skein(Path, Path, Path, List)}, with {@code jvmOptions} (such as {@code -Xmx256m})
   * after the jar's default JVM options, so that they win.
   */
  static ServerProcess skein(Path jar, Path data, Path log, List<Path> configs, List<String> jvmOptions)
      throws IOException, InterruptedException {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String p : List.of("grpc", "http", "zipkin", "jaeger", "query", "health", "telemetry", "spanmetrics")) {
      ports.put(p, freePort());
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SKEIN_DATA", data.toString());
    env.put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + ports.get("grpc"));
    env.put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + ports.get("http"));
    env.put("SKEIN_ZIPKIN_ENDPOINT", "127.0.0.1:" + ports.get("zipkin"));
    env.put("SKEIN_JAEGER_GRPC_ENDPOINT", "127.0.0.1:" + ports.get("jaeger"));
    env.put("SKEIN_QUERY_ENDPOINT", "127.0.0.1:" + ports.get("query"));
    env.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + ports.get("health"));
    env.put("SKEIN_TELEMETRY_ENDPOINT", "127.0.0.1:" + ports.get("telemetry"));
    env.put("SKEIN_SPANMETRICS_ENDPOINT", "127.0.0.1:" + ports.get("spanmetrics"));
    return role("Skein", jar, jvmOptions, configs, env, log, ports, "health");
  }

  /**
   * Starts one Skein process ({@code java -jar skein.jar run --config ...}) named {@code name},
   * with {@code env} for the {@code ${env:...}} its configuration files read; returns once its
   * health check, on port {@code ports.get(health)}, answers 200.
   */
  static ServerProcess role(String name, Path jar, List<Path> configs, Map<String, String> env, Path log,
      Map<String, Integer> ports, String health) throws IOException, InterruptedException {
    return role(name, jar, List.of(), configs, env, log, ports, health);
  }

  private static ServerProcess role(String name, Path jar, List<String> jvmOptions, List<Path> configs,
      Map<String, String> env, Path log, Map<String, Integer> ports, String health)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(defaultJvmOptions(jar));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(), "run"));
    for (Path config : configs) {
      command.add("--config");
      command.add(config.toAbsolutePath().toString());
    }
    ServerProcess p = new ServerProcess(name, command, env, log, ports,
        "http://127.0.0.1:" + ports.get(health) + "/");
    p.awaitHealthy();
    return p;
  }

  /** Starts Zipkin server with its default in-memory storage; returns once healthy. */
  static ServerProcess zipkin(Path jar, Path log) throws IOException, InterruptedException {
    int port = freePort();
    List<String> command = List.of(java(), "-jar", jar.toString(),
        "--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].port=" + port, "--armeria.ports[0].protocols=http");
    ServerProcess p = new ServerProcess("Zipkin", command, Map.of("STORAGE_TYPE", "mem"), log,
        Map.of("http", port), "http://127.0.0.1:" + port + "/health");
    p.awaitHealthy();
    return p;
  }

  private void awaitHealthy() throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " while starting; see " + log);
      }
      try {
        HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(healthUrl)).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          startupSeconds = (System.nanoTime() - t0) / 1e9;
          return;
        }
      } catch (IOException notYet) {
        // Still starting.
      }
      Thread.sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException(name + " did not become healthy within " + STARTUP.toSeconds() + " s; see " + log);
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  int port(String name) {
    Integer p = ports.get(name);
    if (p == null) {
      throw new IllegalArgumentException("port: " + name + " (expected: one of " + ports.keySet() + ")");
    }
    return p;
  }

  String url(String port, String path) {
    return "http://127.0.0.1:" + port(port) + path;
  }

  /**
   * The sum of the series of Skein's own metrics (at {@code /metrics} on port {@code telemetry})
   * whose line starts with {@code series}, such as
   * {@code otelcol_exporter_sent_spans_total{exporter="storage"}}; 0 when there is none yet.
   */
  double telemetry(String series) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("telemetry", "/metrics")))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(name + ": HTTP " + r.statusCode() + " from its own metrics");
    }
    return r.body().lines().filter(l -> l.startsWith(series + " ") || l.startsWith(series + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  double startupSeconds() {
    return startupSeconds;
  }

  /** Stops the server with SIGTERM (Skein then flushes and closes its store) and waits. */
  int stop() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, nothing flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * The JVM options in the {@code jvm.options} that {@code jar} carries, the file {@code ./skein}
   * reads from the sources: one option per line, {@code #} starting a comment. None when the jar
   * has no such file (a build from before it existed).
   */
  static List<String> defaultJvmOptions(Path jar) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry entry = zip.getEntry("jvm.options");
      if (entry == null) {
        return List.of();
      }
      try (var in = zip.getInputStream(entry)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
