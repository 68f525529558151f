package dev.skein.server.canary;

import dev.skein.model.GoDuration;
import dev.skein.model.Nullable;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Writes canary traces to a server and reads each back after a delay through every {@link Check},
 * printing each problem as it finds it, a line per read cycle, and a summary at the end.
 *
 * <p>Continuous mode writes a trace every interval until the duration is over (then reads back
 * what is still pending) or {@link #stop()} is called. One-shot mode writes a given number of
 * traces back to back, waits for the read delay and reads them all. {@link #run()} returns the exit
 * code: 0 when every trace was written, read back, and found complete and correct by every check.
 */
final class Canary {
  /** What a canary does; see {@link CanaryCommand} for the meaning of each. */
  record Settings(URI target, URI otlp, @Nullable String token, Duration interval, Duration readDelay,
      @Nullable Duration duration, boolean once, int traces, String service) {}

  private record Pending(long seed, long dueNanos) {}

  private final Settings settings;
  private final CanaryClient client;
  private final PrintWriter out;
  private final Counters counters = new Counters();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private long lastSeed;

  Canary(Settings settings, PrintWriter out) {
    this.settings = settings;
    this.client = new CanaryClient(settings.target(), settings.otlp(), settings.token());
    this.out = out;
  }

  Counters counters() {
    return counters;
  }

  /** Asks a running canary to finish: it stops writing and reading, and prints its summary. */
  void stop() {
    stop.countDown();
  }

  /** Waits until {@link #run()} has printed its summary, at most {@code timeout}. */
  void awaitDone(Duration timeout) throws InterruptedException {
    done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Runs the canary to its end; returns the exit code. */
  int run() throws InterruptedException {
    try {
      long started = System.nanoTime();
      out.printf("Canary: writing traces of service %s to %s, reading them back from %s after %s%s%n",
          settings.service(), settings.otlp(), settings.target(), GoDuration.format(settings.readDelay()),
          settings.once() ? " (" + settings.traces() + " traces, once)"
              : settings.duration() == null ? " (one every " + GoDuration.format(settings.interval()) + ", until stopped)"
              : " (one every " + GoDuration.format(settings.interval()) + " for "
                  + GoDuration.format(settings.duration()) + ")");
      out.flush();
      int unread = settings.once() ? once() : continuously();
      return summary(unread, Duration.ofNanos(System.nanoTime() - started));
    } finally {
      out.flush();
      done.countDown();
    }
  }

  /** Writes, waits, reads; returns how many written traces were not read back (when stopped early). */
  private int once() throws InterruptedException {
    List<CanaryTrace> written = new ArrayList<>();
    for (int i = 0; i < settings.traces() && stop.getCount() > 0; i++) {
      CanaryTrace trace = write();
      if (trace != null) {
        written.add(trace);
      }
    }
    if (stop.await(settings.readDelay().toNanos(), TimeUnit.NANOSECONDS)) {
      return written.size();
    }
    for (CanaryTrace trace : written) {
      check(trace, new EnumMap<>(Check.class));
    }
    return 0;
  }

  private int continuously() throws InterruptedException {
    long start = System.nanoTime();
    long interval = settings.interval().toNanos();
    long readDelay = settings.readDelay().toNanos();
    ArrayDeque<Pending> pending = new ArrayDeque<>();
    long nextWrite = start;
    while (true) {
      long now = System.nanoTime();
      boolean writing = settings.duration() == null || now - start < settings.duration().toNanos();
      if (writing && now - nextWrite >= 0) {
        CanaryTrace trace = write();
        if (trace != null) {
          pending.add(new Pending(trace.seed(), System.nanoTime() + readDelay));
        }
        nextWrite += interval;
        if (nextWrite - now < 0) {
          nextWrite = now + interval; // behind schedule: skip the writes that are late rather than burst
        }
      }
      int read = 0;
      Map<Check, Map<Result, Integer>> cycle = new EnumMap<>(Check.class);
      while (!pending.isEmpty() && System.nanoTime() - pending.peek().dueNanos() >= 0 && stop.getCount() > 0) {
        check(CanaryTrace.generate(pending.poll().seed(), settings.service()), cycle);
        read++;
      }
      if (read > 0) {
        printCycle(read, cycle);
      }
      if (!writing && pending.isEmpty()) {
        return 0;
      }
      now = System.nanoTime();
      long wake = pending.isEmpty() ? Long.MAX_VALUE : pending.peek().dueNanos() - now;
      if (writing) {
        wake = Math.min(wake, nextWrite - now);
      }
      if (stop.await(Math.max(0, wake), TimeUnit.NANOSECONDS)) {
        return pending.size();
      }
    }
  }

  @Nullable
  private CanaryTrace write() {
    long seed = Math.max(System.currentTimeMillis(), lastSeed + 1);
    lastSeed = seed;
    CanaryTrace trace = CanaryTrace.generate(seed, settings.service());
    String error = client.write(trace);
    if (error != null) {
      counters.recordWriteError();
      out.println(now() + " trace " + trace.traceIdHex() + ": write failed: " + error);
      out.flush();
      return null;
    }
    counters.recordWrite();
    return trace;
  }

  /** Reads one trace back through every check, prints its problems, and adds its results to {@code cycle}. */
  private void check(CanaryTrace trace, Map<Check, Map<Result, Integer>> cycle) {
    List<Set<Result>> byCheck = new ArrayList<>();
    for (Check check : Check.values()) {
      List<Problem> problems = client.read(check, trace);
      Set<Result> results = EnumSet.noneOf(Result.class);
      if (problems.isEmpty()) {
        results.add(Result.OK);
      }
      for (Problem p : problems) {
        results.add(p.result());
        out.println(now() + " trace " + trace.traceIdHex() + " " + check.label + ": " + p.result().label + ": "
            + p.message());
      }
      results.forEach(r -> cycle.computeIfAbsent(check, c -> new EnumMap<>(Result.class)).merge(r, 1, Integer::sum));
      byCheck.add(results);
    }
    counters.recordCheck(byCheck);
    out.flush();
  }

  private void printCycle(int read, Map<Check, Map<Result, Integer>> cycle) {
    StringJoiner checks = new StringJoiner(", ");
    cycle.forEach((check, results) -> results.forEach((result, n) -> checks.add(check.label + " " + result.label + " " + n)));
    out.println(now() + " read back " + read + " trace" + (read == 1 ? "" : "s") + ": " + checks
        + "; total written " + counters.written() + ", read back " + counters.checked()
        + ", with problems " + counters.failed() + ", write errors " + counters.writeErrors());
    out.flush();
  }

  private int summary(int unread, Duration took) {
    out.println();
    out.printf("Canary summary after %ds: %d traces written, %d write errors, %d read back, %d with problems%s%n",
        took.toSeconds(), counters.written(), counters.writeErrors(), counters.checked(), counters.failed(),
        unread > 0 ? ", " + unread + " not read back (stopped before their read delay)" : "");
    StringBuilder header = new StringBuilder(String.format("  %-8s", "check"));
    for (Result r : Result.values()) {
      header.append(String.format(" %" + Math.max(6, r.label.length()) + "s", r.label));
    }
    out.println(header);
    for (Check check : Check.values()) {
      StringBuilder row = new StringBuilder(String.format("  %-8s", check.label));
      for (Result r : Result.values()) {
        row.append(String.format(" %" + Math.max(6, r.label.length()) + "d", counters.get(check, r)));
      }
      out.println(row);
    }
    boolean pass = counters.checked() > 0 && counters.failed() == 0 && counters.writeErrors() == 0;
    if (pass) {
      out.println("PASS: every trace read back was found complete and correct by every check");
    } else if (counters.checked() == 0) {
      out.println("FAIL: no trace was read back");
    } else {
      out.println("FAIL: " + counters.failed() + " of " + counters.checked() + " traces read back with problems, "
          + counters.writeErrors() + " write errors (each problem is printed above)");
    }
    out.flush();
    return pass ? 0 : 1;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
