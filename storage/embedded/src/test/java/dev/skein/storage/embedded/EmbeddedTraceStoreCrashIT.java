package dev.skein.storage.embedded;

import static dev.skein.storage.conformance.TraceAssertions.assertSameSpans;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.storage.conformance.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process with SIGKILL at random moments and checks that every trace whose write
 * had been acknowledged is there, whole, when the store is opened again; and that a trace whose
 * write was in flight is either whole or absent, never partial.
 */
class EmbeddedTraceStoreCrashIT {
  private static final Duration BOUND = Duration.ofMinutes(2);
  private static final Pattern LINE = Pattern.compile("(READY|SUBMIT|ACK|FAILED) ?(\\d*).* \\.");
  private static final int ROUNDS = 6;
  private static final int TRACES_PER_ROUND = 1_000_000;

  @TempDir
  Path dir;

  @Test
  void keepsEveryAcknowledgedTraceThroughKillNine() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    long base = Fixtures.nowNanos() - Duration.ofMinutes(10).toNanos();
    Path data = dir.resolve("data");
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    Set<Long> submitted = ConcurrentHashMap.newKeySet();

    for (int round = 0; round < ROUNDS; round++) {
      // Round 0 is killed as soon as the store is open; later rounds after up to 400 acks.
      int killAfterAcks = round == 0 ? 0 : 1 + random.nextInt(400);
      // Odd rounds checkpoint every few commits, so some kills land in a checkpoint; even rounds
      // run with the store's own threshold.
      String checkpointThreshold = round % 2 == 1 ? "64KB" : null;
      String context = "seed " + seed + ", round " + round + ", kill after " + killAfterAcks
          + " acks, checkpoint threshold " + (checkpointThreshold == null ? "default" : checkpointThreshold);
      Path log = dir.resolve("child-" + round + ".log");
      Set<Long> roundAcks = ConcurrentHashMap.newKeySet();
      AtomicBoolean ready = new AtomicBoolean();
      AtomicReference<String> failure = new AtomicReference<>();

      Process child = startChild(data, base, (long) round * TRACES_PER_ROUND,
          checkpointThreshold, log);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            // A line cut by the kill lacks its " ." end and is ignored.
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
              continue;
            }
            switch (m.group(1)) {
              case "READY":
                ready.set(true);
                break;
              case "SUBMIT":
                submitted.add(Long.parseLong(m.group(2)));
                break;
              case "ACK":
                roundAcks.add(Long.parseLong(m.group(2)));
                break;
              default:
                failure.compareAndSet(null, line);
            }
          }
        } catch (IOException e) {
          // The JDK may close the pipe under a blocked read once the child is killed. Lines lost
          // here only make the acknowledged set smaller, which keeps the check sound.
        }
      });
      reader.start();
      try {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!(ready.get() && roundAcks.size() >= killAfterAcks)) {
          assertThat(failure.get()).as("child reported a failure (%s)", context).isNull();
          assertThat(child.isAlive()).as("child is alive (%s); its log:%n%s", context, tail(log))
              .isTrue();
          assertThat(System.nanoTime()).as("child progressed within %s (%s)", BOUND, context)
              .isLessThan(deadline);
          Thread.sleep(2);
        }
        // Let the kill land somewhere else in the write cycle each round.
        Thread.sleep(random.nextInt(20));
      } finally {
        child.destroyForcibly();
        assertThat(child.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("child ended").isTrue();
        reader.join(BOUND.toMillis());
      }
      assertThat(failure.get()).as("child reported a failure (%s)", context).isNull();
      acknowledged.addAll(roundAcks);
      System.out.printf("%s: %d acknowledged, %d submitted in all, database %d bytes, WAL %d bytes%n",
          context, acknowledged.size(), submitted.size(), size(data.resolve(EmbeddedTraceStore.DATABASE_FILE)),
          size(data.resolve(EmbeddedTraceStore.DATABASE_FILE + ".wal")));

      verify(data, base, acknowledged, submitted, context);
    }
    assertThat(acknowledged).hasSizeGreaterThan(ROUNDS - 1);
  }

  private static void verify(Path data, long base, Set<Long> acknowledged, Set<Long> submitted,
      String context) {
    try (EmbeddedTraceStore store = EmbeddedTraceStore.builder().path(data).build()) {
      for (long n : acknowledged) {
        Optional<Traces> read = store.trace(Fixtures.traceId(n));
        assertThat(read).as("acknowledged trace %s (%s)", n, context).isPresent();
        assertSameSpans(read.get(), CrashingWriter.trace(n, base));
      }
      for (long n : submitted) {
        if (!acknowledged.contains(n)) {
          store.trace(Fixtures.traceId(n)).ifPresent(
              read -> assertSameSpans(read, CrashingWriter.trace(n, base)));
        }
      }
      if (!acknowledged.isEmpty()) {
        assertThat(store.services()).as("services (%s)", context)
            .containsExactly(Fixtures.BILLING, Fixtures.CHECKOUT, Fixtures.FRONTEND);
      }
    }
  }

  private static Process startChild(Path data, long base, long first, @Nullable String checkpointThreshold,
      Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(CrashingWriter.class.getName());
    command.add(data.toString());
    command.add(Long.toString(base));
    command.add(Long.toString(first));
    command.add("3");
    if (checkpointThreshold != null) {
      command.add(checkpointThreshold);
    }
    return new ProcessBuilder(command)
        .redirectError(log.toFile())
        .start();
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return -1;
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
