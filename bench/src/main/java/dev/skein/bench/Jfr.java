package dev.skein.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Starts and stops a JFR recording in another JVM with {@code jcmd}, using the JDK's profiling settings. */
final class Jfr {
  private static final String NAME = "skein-bench";

  private Jfr() {}

  static boolean available() {
    return Files.isExecutable(jcmd());
  }

  static String start(long pid, Path file) {
    return Machine.run(jcmd().toString(), Long.toString(pid), "JFR.start", "name=" + NAME, "settings=profile",
        "filename=" + file.toAbsolutePath());
  }

  static String stop(long pid) {
    return Machine.run(jcmd().toString(), Long.toString(pid), "JFR.stop", "name=" + NAME);
  }

  private static Path jcmd() {
    return Path.of(System.getProperty("java.home"), "bin", "jcmd");
  }
}
