package dev.skein.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What Linux's {@code /proc} says about a process: CPU time ({@code utime + stime} of
 * {@code /proc/<pid>/stat}, in clock ticks), peak and current resident memory ({@code VmHWM} and
 * {@code VmRSS} of {@code /proc/<pid>/status}), CPU time per thread, and the whole machine's busy
 * time from {@code /proc/stat}.
 */
final class ProcStats {
  private static final Path PROC = Path.of("/proc");
  private static volatile long ticksPerSecond;

  private ProcStats() {}

  /** {@code utime + stime} of {@code pid}, in clock ticks. */
  static long cpuTicks(long pid) {
    return cpuTicks(read(PROC.resolve(pid + "/stat")));
  }

  /** {@code utime + stime} from one line of {@code /proc/<pid>/stat}. */
  static long cpuTicks(String statLine) {
    // The command name is in parentheses and may itself hold spaces and parentheses.
    String rest = statLine.substring(statLine.lastIndexOf(')') + 2);
    String[] f = rest.trim().split(" +");
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** {@code VmHWM}: the most resident memory {@code pid} has had, in bytes. */
  static long peakRssBytes(long pid) {
    return statusKib(read(PROC.resolve(pid + "/status")), "VmHWM") * 1024;
  }

  /** {@code VmRSS}: the resident memory of {@code pid} now, in bytes. */
  static long rssBytes(long pid) {
    return statusKib(read(PROC.resolve(pid + "/status")), "VmRSS") * 1024;
  }

  /** A {@code kB} line of {@code /proc/<pid>/status}. */
  static long statusKib(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalArgumentException(key + ": not in /proc status (expected: a line \"" + key + ": N kB\")");
  }

  /**
   * CPU ticks per thread name of {@code pid}, with the numbers that tell the threads of one pool
   * apart replaced by {@code N} so that they add up ({@code GC Thread#0} and {@code GC Thread#1}
   * become {@code GC Thread#N}). Threads that ended are not counted.
   */
  static Map<String, Long> threadTicks(long pid) {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(PROC.resolve(pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).trim();
          long ticks = cpuTicks(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
          out.merge(threadGroup(name), ticks, Long::sum);
        } catch (NoSuchFileException ended) {
          // The thread ended between listing and reading.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static String threadGroup(String threadName) {
    // Numbers after a separator or at the end; "C2 CompilerThre" and "G1 Conc#0" keep their names.
    return threadName.replaceAll("(?<=[#_\\-])[0-9]+|[0-9]+$", "N");
  }

  /** Busy time of all CPUs together (user, nice, system, irq, softirq, steal), in clock ticks. */
  static long machineBusyTicks() {
    return machineBusyTicks(read(PROC.resolve("stat")).split("\n")[0]);
  }

  static long machineBusyTicks(String cpuLine) {
    String[] f = cpuLine.trim().split(" +");
    // cpu user nice system idle iowait irq softirq steal ...
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
      if (i < f.length) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }

  /** The load averages of {@code /proc/loadavg}, as written there. */
  static String loadAverage() {
    String[] f = read(PROC.resolve("loadavg")).trim().split(" +");
    return f[0] + " " + f[1] + " " + f[2];
  }

  /** Clock ticks per second ({@code getconf CLK_TCK}; 100 on every common Linux). */
  static long ticksPerSecond() {
    if (ticksPerSecond == 0) {
      long value = 100;
      try {
        Process p = new ProcessBuilder(List.of("getconf", "CLK_TCK")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          value = Long.parseLong(out);
        }
      } catch (IOException | NumberFormatException e) {
        // Keep 100.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ticksPerSecond = value;
    }
    return ticksPerSecond;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
