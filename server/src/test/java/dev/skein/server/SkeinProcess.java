package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code java -jar target/skein.jar} as a separate process, with free ports and a given data directory. */
final class SkeinProcess {
  final Process process;
  final Path log;
  final int grpcPort;
  final int httpPort = TestServer.freePort();
  final int queryPort = TestServer.freePort();
  final int healthPort = TestServer.freePort();
  final int metricsPort = TestServer.freePort();
  final int zipkinPort = TestServer.freePort();
  final int jaegerPort = TestServer.freePort();
  final int spanMetricsPort = TestServer.freePort();

  private SkeinProcess(Path data, Path log, List<String> args) throws Exception {
    this(data, log, List.of(), args, TestServer.freePort());
  }

  private SkeinProcess(Path data, Path log, List<String> jvmArgs, List<String> args, int grpcPort) throws Exception {
    this.log = log;
    this.grpcPort = grpcPort;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar().toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SKEIN_DATA", data.toString());
    pb.environment().put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + grpcPort);
    pb.environment().put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + httpPort);
    pb.environment().put("SKEIN_QUERY_ENDPOINT", "127.0.0.1:" + queryPort);
    pb.environment().put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + healthPort);
    pb.environment().put("SKEIN_TELEMETRY_ENDPOINT", "127.0.0.1:" + metricsPort);
    pb.environment().put("SKEIN_ZIPKIN_ENDPOINT", "127.0.0.1:" + zipkinPort);
    pb.environment().put("SKEIN_JAEGER_GRPC_ENDPOINT", "127.0.0.1:" + jaegerPort);
    pb.environment().put("SKEIN_SPANMETRICS_ENDPOINT", "127.0.0.1:" + spanMetricsPort);
    Files.createDirectories(log.getParent());
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
  }

  static Path jar() {
    Path jar = Path.of("target", "skein.jar");
    assertThat(jar).as("the server jar, built by 'package' before integration tests").exists();
    return jar;
  }

  /** Starts {@code skein run} and waits until its health check answers 200. */
  static SkeinProcess start(Path data, String logName) throws Exception {
    return start(data, logName, List.of("run"));
  }

  /** Starts {@code skein} with {@code args} and waits until its health check answers 200. */
  static SkeinProcess start(Path data, String logName, List<String> args) throws Exception {
    return start(data, logName, args, TestServer.freePort());
  }

  /** As {@link #start(Path, String, List)}, with OTLP/gRPC on a given port (to restart a server in place). */
  static SkeinProcess start(Path data, String logName, List<String> args, int grpcPort) throws Exception {
    return start(data, logName, List.of(), args, grpcPort);
  }

  /** As {@link #start(Path, String, List, int)}, with options for the JVM (such as {@code -Xmx256m}). */
  static SkeinProcess start(Path data, String logName, List<String> jvmArgs, List<String> args, int grpcPort)
      throws Exception {
    SkeinProcess p = new SkeinProcess(data, Path.of("target", logName), jvmArgs, args, grpcPort);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      assertThat(p.process.isAlive()).as("skein exited early; see " + p.log.toAbsolutePath()).isTrue();
      try {
        HttpResponse<Void> r = TestServer.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + p.healthPort + "/")).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return p;
        }
      } catch (java.io.IOException notYet) {
        // The server is still starting.
      }
      Thread.sleep(100);
    }
    p.kill();
    throw new AssertionError("skein did not become healthy within 90 s; see " + p.log.toAbsolutePath());
  }

  /** Runs a command that ends by itself; returns its exit code and everything it printed. */
  static Result run(Path data, String... args) throws Exception {
    Path log = Files.createTempFile("skein-cli", ".log");
    SkeinProcess p = new SkeinProcess(data, log, List.of(args));
    assertThat(p.process.waitFor(120, TimeUnit.SECONDS)).as("skein " + String.join(" ", args) + " ended").isTrue();
    return new Result(p.process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  record Result(int exitCode, String output) {}

  long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no flush. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the shutdown hook drains and closes everything. */
  int stop() throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("skein stopped on SIGTERM").isTrue();
    return process.exitValue();
  }
}
