package dev.skein.cluster;

import dev.skein.cluster.engines.Engines;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Skein role in a JVM of its own ({@link RoleMain}), so that a test can kill it as a crash would. */
final class Node implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private Node(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts the role of {@code config} with {@code env} and waits until it runs. */
  static Node start(String name, Path config, Map<String, String> env, Path dir) throws Exception {
    Path log = dir.resolve(name + ".log");
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), RoleMain.class.getName(), config.toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .directory(dir.toFile());
    pb.environment().putAll(env);
    Node n = new Node(name, pb.start(), log);
    Engines.await(name + " runs", () -> {
      if (!n.process.isAlive()) {
        throw new IllegalStateException(name + " exited:\n" + Engines.tail(log));
      }
      try {
        return Files.readAllLines(log).contains("started");
      } catch (IOException e) {
        return false;
      }
    });
    return n;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Ends the process at once (SIGKILL), as a crash or an OOM kill would: nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return name + " (log " + log + File.separator + ")";
  }
}
