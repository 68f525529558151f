package dev.skein.storage.embedded;

import dev.skein.model.Traces;
import dev.skein.storage.conformance.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child process of {@link EmbeddedTraceStoreCrashIT}: writes traces from several threads until
 * it is killed, printing {@code SUBMIT n .} before and {@code ACK n .} after each write of trace
 * number n is acknowledged. Trace n is {@link Fixtures#fullTrace} of {@code Fixtures.traceId(n)}
 * starting at {@code base + n} milliseconds, so the parent can regenerate it.
 *
 * <p>Arguments: the store directory, the base start time in epoch nanoseconds, the first trace
 * number, the number of writer threads, and optionally DuckDB's checkpoint threshold (small values
 * make checkpoints, and so kills during them, frequent). Exits when its standard input closes, so it never
 * outlives a parent that died.
 */
final class CrashingWriter {
  private CrashingWriter() {}

  static Traces trace(long n, long baseNanos) {
    return Fixtures.fullTrace(Fixtures.traceId(n), baseNanos + n * 1_000_000L);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long base = Long.parseLong(args[1]);
    AtomicLong next = new AtomicLong(Long.parseLong(args[2]));
    int threads = Integer.parseInt(args[3]);

    Thread watchdog = new Thread(() -> {
      try (InputStream in = System.in) {
        while (in.read() >= 0) {
          // The parent never writes; reading only detects that it is gone.
        }
      } catch (IOException e) {
        // Treated like end of input.
      }
      Runtime.getRuntime().halt(3);
    });
    watchdog.setDaemon(true);
    watchdog.start();

    EmbeddedTraceStore.Builder builder = EmbeddedTraceStore.builder().path(dir);
    if (args.length > 4) {
      builder.duckdbSetting("checkpoint_threshold", args[4]);
    }
    EmbeddedTraceStore store = builder.build();
    System.out.println("READY .");
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread writer = new Thread(() -> {
        while (true) {
          // Batches of one to four traces, so acknowledgements cover several traces at once.
          int count = 1 + (int) (next.get() + thread) % 4;
          long first = next.getAndAdd(count);
          Traces.Builder batch = Traces.builder();
          for (long n = first; n < first + count; n++) {
            trace(n, base).forEachSpan(batch::add);
            System.out.println("SUBMIT " + n + " .");
          }
          try {
            store.write(batch.build()).get(60, TimeUnit.SECONDS);
          } catch (Exception e) {
            System.out.println("FAILED " + first + " " + e + " .");
            continue;
          }
          for (long n = first; n < first + count; n++) {
            System.out.println("ACK " + n + " .");
          }
        }
      }, "crashing-writer-" + t);
      writer.setDaemon(true);
      writer.start();
    }
    watchdog.join();
  }
}
