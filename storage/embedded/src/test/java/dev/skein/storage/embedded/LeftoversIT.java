package dev.skein.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills real DuckDB processes with SIGKILL and checks that what they leave behind is removed, and
 * that what a live process uses is not.
 */
class LeftoversIT {
  private static final Duration BOUND = Duration.ofMinutes(2);
  private static final Path PROC = Path.of("/proc");

  @TempDir
  Path dir;

  private Process first;
  private Process second;

  @AfterEach
  void stopChildren() throws InterruptedException {
    for (Process child : new Process[] {first, second}) {
      if (child != null) {
        child.destroyForcibly();
        child.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Test
  void removesTheNativeLibraryCopiesOfKilledProcessesButNotOfLiveOnes() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    first = start(tmp, dir.resolve("first.duckdb"), "hold");
    second = start(tmp, dir.resolve("second.duckdb"), "hold");
    awaitLine(first, "READY");
    awaitLine(second, "READY");
    assertThat(copies(tmp)).as("one copy of the library per process").hasSize(2);

    first.destroyForcibly();
    assertThat(first.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(copies(tmp)).as("the killed process's copy stays behind").hasSize(2);

    assertThat(Leftovers.nativeLibraries(tmp, PROC, Instant.now()).files())
        .as("copies younger than the grace period are kept").isZero();
    Instant later = Instant.now().plus(Leftovers.NATIVE_LIBRARY_GRACE).plusSeconds(1);
    Leftovers.Removed removed = Leftovers.nativeLibraries(tmp, PROC, later);
    assertThat(removed.files()).as("the killed process's copy is removed").isEqualTo(1);
    assertThat(removed.bytes()).isGreaterThan(1 << 20);
    assertThat(copies(tmp)).as("the live process's copy is kept").hasSize(1);
    assertThat(Leftovers.nativeLibraries(tmp, PROC, later).files())
        .as("a copy a live process has loaded is never removed").isZero();

    second.getOutputStream().close();
    assertThat(second.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(Leftovers.nativeLibraries(tmp, PROC, later).files())
        .as("once its process is gone, the last copy is removed").isEqualTo(1);
    assertThat(copies(tmp)).isEmpty();
  }

  @Test
  void openingTheStoreRemovesSpillFilesAKilledProcessLeft() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Path spill = data.resolve(EmbeddedTraceStore.DATABASE_FILE + ".tmp");
    first = start(dir, data.resolve(EmbeddedTraceStore.DATABASE_FILE), "spill");
    awaitLine(first, "READY");
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (spilled(spill) < (16 << 20)) {
      assertThat(first.isAlive()).as("the spilling query is still running").isTrue();
      assertThat(System.nanoTime()).as("DuckDB spilled 16 MiB within %s", BOUND).isLessThan(deadline);
      Thread.sleep(20);
    }
    first.destroyForcibly();
    assertThat(first.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(spilled(spill)).as("the killed query's spill files stay behind").isPositive();

    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(data).build()) {
      assertThat(spillFiles(spill)).as("spill files after opening the store").isEmpty();
      assertThat(store.services()).isEmpty();
    }
  }

  private static List<Path> copies(Path tmp) throws IOException {
    try (Stream<Path> files = Files.list(tmp)) {
      return files.filter(f -> Leftovers.NATIVE_LIBRARY.matcher(f.getFileName().toString()).matches())
          .toList();
    }
  }

  private static List<Path> spillFiles(Path spill) throws IOException {
    if (!Files.isDirectory(spill)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(spill)) {
      return files.filter(f -> f.getFileName().toString().startsWith("duckdb_temp_")).toList();
    }
  }

  private static long spilled(Path spill) throws IOException {
    long total = 0;
    for (Path file : spillFiles(spill)) {
      try {
        total += Files.size(file);
      } catch (IOException e) {
        // Removed by DuckDB meanwhile.
      }
    }
    return total;
  }

  private static Process start(Path tmp, Path database, String mode) throws IOException {
    return new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m",
        "-Djava.io.tmpdir=" + tmp,
        "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), database.toString(), mode)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static void awaitLine(Process child, String expected) throws Exception {
    BufferedReader in = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertThat(in.readLine()).as("the child's first line").isEqualTo(expected);
  }

  /**
   * A process that opens a DuckDB database and prints {@code READY}, then either holds it open
   * ({@code hold}) or runs a query that spills to disk under a 64 MiB cap ({@code spill}). It
   * ends when its standard input closes, without the JVM's exit hooks, as a killed process would.
   */
  static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0]);
          Statement s = c.createStatement()) {
        s.execute("SET memory_limit = '64MiB'");
        s.execute("SET threads = 1");
        System.out.println("READY");
        System.out.flush();
        if (args[1].equals("spill")) {
          Thread query = new Thread(() -> {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT x, hash(x) AS h"
                + " FROM range(200000000) t(x) ORDER BY h)")) {
              rs.next();
            } catch (Exception e) {
              System.err.println("spilling query ended: " + e);
            }
          });
          query.setDaemon(true);
          query.start();
        }
        try (InputStream in = System.in) {
          while (in.read() >= 0) {
            // The parent never writes; reading only detects that it is gone.
          }
        }
        Runtime.getRuntime().halt(0);
      }
    }
  }
}
