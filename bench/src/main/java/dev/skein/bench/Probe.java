package dev.skein.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time over a measurement window: of the server under test (total and per thread), of the
 * load generator (this process), of the other processes this benchmark started (an idle peer
 * server), and of everything else on the machine, which is how other builds running at the same
 * time show up in the results.
 */
final class Probe {
  private final long server;
  private final List<Long> ours;
  private long startNanos;
  private long endNanos;
  private long serverStart;
  private long serverEnd;
  private long oursStart;
  private long oursEnd;
  private long machineStart;
  private long machineEnd;
  private Map<String, Long> threadsStart = Map.of();
  private Map<String, Long> threadsEnd = Map.of();

  /** {@code server} is measured; {@code others} are this benchmark's other processes. */
  Probe(long server, List<Long> others) {
    this.server = server;
    this.ours = others;
  }

  /**
   * The measurement window of a load run, measured by this probe, and profiled with JFR into
   * {@code jfr} when that is not null and this JDK has {@code jcmd}.
   */
  LoadGenerator.Window window(@dev.skein.model.Nullable Path jfr) {
    boolean profiling = jfr != null && Jfr.available();
    return new LoadGenerator.Window() {
      @Override
      public void started() {
        if (profiling) {
          Jfr.start(server, jfr);
        }
        start();
      }

      @Override
      public void ended() {
        end();
        if (profiling) {
          Jfr.stop(server);
        }
      }
    };
  }

  void start() {
    threadsStart = ProcStats.threadTicks(server);
    machineStart = ProcStats.machineBusyTicks();
    serverStart = ProcStats.cpuTicks(server);
    oursStart = oursTicks();
    startNanos = System.nanoTime();
  }

  void end() {
    endNanos = System.nanoTime();
    oursEnd = oursTicks();
    serverEnd = ProcStats.cpuTicks(server);
    machineEnd = ProcStats.machineBusyTicks();
    threadsEnd = ProcStats.threadTicks(server);
  }

  private long oursTicks() {
    long sum = ProcStats.cpuTicks(ProcessHandle.current().pid());
    for (long pid : ours) {
      sum += ProcStats.cpuTicks(pid);
    }
    return sum;
  }

  double seconds() {
    return (endNanos - startNanos) / 1e9;
  }

  double serverCpuSeconds() {
    return (serverEnd - serverStart) / (double) ProcStats.ticksPerSecond();
  }

  /** CPU of the load generator and of this benchmark's other servers. */
  double generatorCpuSeconds() {
    return (oursEnd - oursStart) / (double) ProcStats.ticksPerSecond();
  }

  /** CPU of every process this benchmark did not start. Never negative. */
  double otherCpuSeconds() {
    double machine = (machineEnd - machineStart) / (double) ProcStats.ticksPerSecond();
    return Math.max(0, machine - serverCpuSeconds() - generatorCpuSeconds());
  }

  /**
   * Server CPU seconds of the JIT compiler's threads: work of a server still warming up, which a
   * long-running one no longer does.
   */
  double jitCpuSeconds() {
    double sum = 0;
    for (Map.Entry<String, Double> e : threadCpuSeconds().entrySet()) {
      if (e.getKey().startsWith("C1 CompilerThre") || e.getKey().startsWith("C2 CompilerThre")) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  /** Server CPU seconds per thread group, largest first. */
  Map<String, Double> threadCpuSeconds() {
    Map<String, Double> out = new HashMap<>();
    threadsEnd.forEach((name, ticks) -> {
      long delta = ticks - threadsStart.getOrDefault(name, 0L);
      if (delta > 0) {
        out.put(name, delta / (double) ProcStats.ticksPerSecond());
      }
    });
    Map<String, Double> sorted = new TreeMap<>((a, b) -> {
      int c = Double.compare(out.get(b), out.get(a));
      return c != 0 ? c : a.compareTo(b);
    });
    sorted.putAll(out);
    return sorted;
  }
}
