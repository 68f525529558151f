package dev.skein.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** What every suite of one run shares: its settings, where it works, and the report. */
final class BenchContext {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  final boolean quick;
  final int clients;
  final Path serverJar;
  final Path zipkinJar;
  final Path work;
  /** The cluster engines' modules ({@code kafka/target/lib}, {@code cassandra/target/lib}). */
  final Path engines;
  /** The role configurations of the scale-out deployment ({@code examples/cluster}). */
  final Path clusterExamples;
  final Report report = new Report();
  /** OTLP/gRPC spans per second into the embedded store, once the ingest suite measured it. */
  Double endToEndSpansPerSecond;
  /** Other processes' CPU during each measurement window, in cores, to tell how busy the machine was. */
  final List<Double> otherLoad = new ArrayList<>();

  BenchContext(boolean quick, int clients, Path serverJar, Path zipkinJar, Path work, Path engines,
      Path clusterExamples) {
    this.quick = quick;
    this.clients = clients;
    this.serverJar = serverJar;
    this.zipkinJar = zipkinJar;
    this.work = work;
    this.engines = engines;
    this.clusterExamples = clusterExamples;
  }

  Duration warmup() {
    // Long enough for C2 to finish compiling the hot paths of a server on a busy 2-core machine.
    return Duration.ofSeconds(quick ? 15 : 30);
  }

  Duration measure() {
    return Duration.ofSeconds(quick ? 10 : 60);
  }

  /** Alternating rounds against Zipkin. */
  int rounds() {
    return quick ? 3 : 5;
  }

  Duration roundLength() {
    return Duration.ofSeconds(quick ? 8 : 20);
  }

  /** A fresh directory under the work directory. */
  Path dir(String name) throws IOException {
    Path d = work.resolve(name);
    if (Files.exists(d)) {
      try (var files = Files.walk(d)) {
        for (Path p : (Iterable<Path>) files.sorted((a, b) -> b.compareTo(a))::iterator) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(d);
  }

  Path file(String name) {
    return work.resolve(name);
  }

  /** Copies the runner's resource {@code name} (a configuration file) to the work directory. */
  Path resource(String name) throws IOException {
    Path out = work.resolve(name);
    try (var in = BenchContext.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " is missing from the benchmark runner");
      }
      Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }

  /** Progress for the person watching; the results go to the report. */
  void say(String format, Object... args) {
    System.out.printf("[%s] %s%n", LocalTime.now().format(CLOCK), String.format(format, args));
    System.out.flush();
  }

  /** Records how busy the rest of the machine was during a window and returns it in cores. */
  double otherLoad(Probe probe) {
    double cores = probe.otherCpuSeconds() / probe.seconds();
    otherLoad.add(cores);
    return cores;
  }
}
