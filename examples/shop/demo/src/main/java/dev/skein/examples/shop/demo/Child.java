package dev.skein.examples.shop.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One process the demo runs, with its output in a log file. It runs in a session of its own
 * ({@code setsid}), so that Ctrl-C in the terminal reaches the demo alone, which then stops its
 * children in order: the services flush their last spans into a Skein that is still running.
 */
final class Child {
  private static final HttpClient PROBE = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  final String name;
  final Path log;
  private final Process process;

  private Child(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  /** Starts {@code command} in {@code dir} with {@code env} added to this process's environment. */
  static Child start(String name, List<String> command, Path dir, Map<String, String> env, Path logs)
      throws IOException {
    List<String> full = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      full.add(SETSID.toString());
    }
    full.addAll(command);
    Path log = logs.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().putAll(env);
    return new Child(name, log, pb.start());
  }

  /**
   * Waits until {@code GET probe} answers 200; fails when the process exits, time runs out, or its
   * log has a line containing {@code failure} (which may be {@code null}).
   */
  void awaitReady(URI probe, Duration timeout, String failure) throws DemoException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(2)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new DemoException(name + " exited with status " + process.exitValue() + " while starting; "
            + "the end of " + log + ":\n" + tail(20));
      }
      try {
        if (PROBE.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          if (failure != null && logContains(failure)) {
            throw new DemoException(name + " started, but its log says \"" + failure + "\"; the start of "
                + log + ":\n" + head(30));
          }
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet, or listening but not answering yet.
      }
      if (System.nanoTime() > deadline) {
        throw new DemoException(name + " did not answer " + probe + " within " + timeout.toSeconds()
            + " s; the end of " + log + ":\n" + tail(20));
      }
      Thread.sleep(200);
    }
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within {@code grace}. Returns its exit status, or -1
   * when it had to be killed.
   */
  int stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return process.exitValue();
    }
    process.destroy();
    if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  /** The last {@code n} lines of the log. */
  String tail(int n) {
    List<String> lines = lines();
    return "    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  private String head(int n) {
    List<String> lines = lines();
    return "    " + String.join("\n    ", lines.subList(0, Math.min(n, lines.size())));
  }

  private boolean logContains(String text) {
    return lines().stream().anyMatch(l -> l.contains(text));
  }

  private List<String> lines() {
    try {
      return List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
    } catch (IOException e) {
      return List.of("(" + log + " cannot be read: " + e.getMessage() + ")");
    }
  }
}
