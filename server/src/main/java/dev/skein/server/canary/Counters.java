package dev.skein.server.canary;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a canary has done so far: traces written, write errors, and per check how many traces had
 * each {@link Result}. A trace with several problems in one check counts once for each kind.
 * Thread-safe: the metrics endpoint reads while the canary writes.
 */
final class Counters {
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong writeErrors = new AtomicLong();
  private final AtomicLong checked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong[][] results = new AtomicLong[Check.values().length][Result.values().length];

  Counters() {
    for (AtomicLong[] row : results) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new AtomicLong();
      }
    }
  }

  void recordWrite() {
    written.incrementAndGet();
  }

  void recordWriteError() {
    writeErrors.incrementAndGet();
  }

  /** Records one trace read back through every check: the results each check found. */
  void recordCheck(List<Set<Result>> byCheck) {
    checked.incrementAndGet();
    boolean ok = true;
    for (Check check : Check.values()) {
      for (Result r : byCheck.get(check.ordinal())) {
        results[check.ordinal()][r.ordinal()].incrementAndGet();
        ok &= r == Result.OK;
      }
    }
    if (!ok) {
      failed.incrementAndGet();
    }
  }

  long written() {
    return written.get();
  }

  long writeErrors() {
    return writeErrors.get();
  }

  long checked() {
    return checked.get();
  }

  /** Traces that at least one check found something wrong with. */
  long failed() {
    return failed.get();
  }

  long get(Check check, Result result) {
    return results[check.ordinal()][result.ordinal()].get();
  }

  /** The counters in Prometheus' text exposition format (version 0.0.4). */
  String prometheus() {
    StringBuilder b = new StringBuilder();
    counter(b, "skein_canary_traces_written_total", "Traces the canary wrote and the server acknowledged.");
    b.append("skein_canary_traces_written_total ").append(written.get()).append('\n');
    counter(b, "skein_canary_write_errors_total",
        "Traces the server did not acknowledge: no connection, an answer other than 200, or rejected spans.");
    b.append("skein_canary_write_errors_total ").append(writeErrors.get()).append('\n');
    counter(b, "skein_canary_traces_checked_total", "Traces read back through every check.");
    b.append("skein_canary_traces_checked_total ").append(checked.get()).append('\n');
    counter(b, "skein_canary_traces_failed_total", "Traces read back that at least one check found a problem with.");
    b.append("skein_canary_traces_failed_total ").append(failed.get()).append('\n');
    counter(b, "skein_canary_check_results_total",
        "Traces read back, by check (jaeger, tempo, search) and result (ok, not_found, missing_spans, incorrect, error).");
    for (Check check : Check.values()) {
      for (Result result : Result.values()) {
        b.append("skein_canary_check_results_total{check=\"").append(check.label).append("\",result=\"")
            .append(result.label).append("\"} ").append(get(check, result)).append('\n');
      }
    }
    return b.toString();
  }

  private static void counter(StringBuilder b, String name, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" counter\n");
  }
}
