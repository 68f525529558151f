package dev.skein.components.fileexporter;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code file} exporter settings: {@code path} (required), {@code format} (json:
 * one OTLP/JSON {@code TracesData} per line; proto: each message after its length as 4 bytes, big
 * endian), {@code append} (false: the file is truncated at start), {@code rotation} (present,
 * even empty, to rotate), {@code flush_interval} and {@code compression} (only none: Skein has
 * no zstd).
 *
 * <p>Unlike the Collector, which acknowledges a batch while it may still sit in a buffer, Skein
 * acknowledges a batch once it is written and flushed to the operating system;
 * {@code flush_interval} (1s) is how often the file is also forced to disk.
 */
final class FileExporterConfig implements ComponentConfig {
  String path = "";
  String format = "json";
  boolean append = false;
  String compression = "";
  Duration flushInterval = Duration.ofSeconds(1);

  @JsonSetter(nulls = Nulls.AS_EMPTY)
  @Nullable Rotation rotation;

  /** The Collector's rotation settings (those of lumberjack), with its defaults. */
  static final class Rotation {
    /** The size a file may reach before it is rotated. */
    int maxMegabytes = 100;
    /** Rotated files older than this many days (by the time in their names) are removed; 0 keeps them. */
    int maxDays = 0;
    /** At most this many rotated files are kept; 0 keeps all. */
    int maxBackups = 100;
    /** Name rotated files with the local time instead of UTC. */
    boolean localtime = false;
  }

  boolean proto() {
    return format.equals("proto");
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (path.isBlank()) {
      errors.add("path: missing (expected: the file to write to)");
    }
    if (!format.equals("json") && !format.equals("proto")) {
      errors.add("format: \"" + format + "\" (expected: json or proto)");
    }
    if (!compression.isEmpty() && !compression.equals("none")) {
      errors.add("compression: \"" + compression + "\" (expected: empty or none; Skein does not compress files)");
    }
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      errors.add("flush_interval: " + GoDuration.format(flushInterval) + " (expected: > 0)");
    }
    if (rotation != null) {
      if (rotation.maxMegabytes <= 0) {
        errors.add("rotation::max_megabytes: " + rotation.maxMegabytes + " (expected: > 0)");
      }
      if (rotation.maxDays < 0) {
        errors.add("rotation::max_days: " + rotation.maxDays + " (expected: >= 0, where 0 keeps files of any age)");
      }
      if (rotation.maxBackups < 0) {
        errors.add("rotation::max_backups: " + rotation.maxBackups + " (expected: >= 0, where 0 keeps every file)");
      }
    }
    return errors;
  }
}
