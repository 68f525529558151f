package dev.skein.components.filestorage;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Collector's {@code file_storage} extension settings. Unlike the Collector, {@code directory}
 * has no default: the Collector's ({@code /var/lib/otelcol/file_storage}) is rarely writable by a
 * user's process, and a queue that silently lands somewhere unexpected is worse than an error.
 */
final class FileStorageConfig implements ComponentConfig {
  private static final Pattern OCTAL = Pattern.compile("0?[0-7]{3}");

  /** Where every client gets its own subdirectory. */
  String directory = "";
  /** How long to wait for another process to release a client's directory lock. */
  Duration timeout = Duration.ofSeconds(1);
  /** Sync every change to disk for every client; clients that ask for it are synced regardless. */
  boolean fsync = false;
  boolean createDirectory = false;
  /** Octal permissions of directories created because of {@code create_directory}. */
  String directoryPermissions = "0750";
  Compaction compaction = new Compaction();

  /**
   * Accepted for compatibility. Skein stores every key in a file of its own, so a deleted key gives
   * its space back at once and there is nothing to compact; none of these settings changes anything.
   */
  static final class Compaction {
    boolean onStart = false;
    boolean onRebound = false;
    String directory = "";
    long maxTransactionSize = 65_536;
    long reboundNeededThresholdMib = 100;
    long reboundTriggerThresholdMib = 10;
    Duration checkInterval = Duration.ofSeconds(5);
    boolean cleanupOnStart = false;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (directory.isBlank()) {
      errors.add("directory: missing (expected: the path of a directory for the stored data)");
    } else if (!createDirectory && !Files.isDirectory(Path.of(directory))) {
      errors.add("directory: \"" + directory + "\" does not exist (expected: an existing directory,"
          + " or create_directory: true)");
    }
    if (timeout.isNegative()) {
      errors.add("timeout: " + GoDuration.format(timeout) + " (expected: >= 0)");
    }
    if (!OCTAL.matcher(directoryPermissions).matches()) {
      errors.add("directory_permissions: \"" + directoryPermissions + "\" (expected: octal permissions such as 0750)");
    }
    if (compaction.maxTransactionSize < 0) {
      errors.add("compaction::max_transaction_size: " + compaction.maxTransactionSize + " (expected: >= 0)");
    }
    if (compaction.checkInterval.isNegative()) {
      errors.add("compaction::check_interval: " + GoDuration.format(compaction.checkInterval) + " (expected: >= 0)");
    }
    return errors;
  }
}
