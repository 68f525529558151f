package dev.skein.storage.embedded;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Files that a killed process ({@code kill -9}, the kernel's out-of-memory killer) leaves behind
 * and nothing else ever removes.
 *
 * <ul>
 *   <li><b>Copies of DuckDB's native library.</b> The DuckDB driver copies its 60 MB library to
 *       {@code java.io.tmpdir} as {@code libduckdb_java<number>.so} each time a JVM loads it, and
 *       deletes the copy when the JVM exits normally. A killed JVM leaves it, so a server that is
 *       killed and restarted often fills the temporary directory. {@link #nativeLibraries} removes
 *       the copies that no running process has loaded.
 *   <li><b>DuckDB's spill files.</b> A query larger than DuckDB's memory cap spills to
 *       {@code duckdb_temp_*} files in the database's temporary directory and removes them when it
 *       ends. A killed process leaves them, and DuckDB does not remove them when the database is
 *       opened again. {@link #spillFiles} removes them.
 * </ul>
 */
final class Leftovers {
  /** The name the DuckDB driver gives its copy: {@code Files.createTempFile("libduckdb_java", ".so")}. */
  static final Pattern NATIVE_LIBRARY = Pattern.compile("libduckdb_java\\d+\\.so");

  /**
   * How old a copy must be before it may be removed. The driver loads its copy right after
   * writing it, so a copy this old that no process has mapped belongs to no live process.
   */
  static final Duration NATIVE_LIBRARY_GRACE = Duration.ofMinutes(1);

  private static final Pattern SPILL_FILE = Pattern.compile("duckdb_temp_.*");

  /** What a clean-up removed. */
  record Removed(int files, long bytes) {
    static final Removed NONE = new Removed(0, 0);

    Removed plus(long size) {
      return new Removed(files + 1, bytes + size);
    }
  }

  private Leftovers() {}

  /**
   * Removes the copies of DuckDB's native library in {@code dir} that this process's user owns,
   * that are older than {@link #NATIVE_LIBRARY_GRACE} at {@code now}, and that no process lists in
   * {@code /proc/<pid>/maps}. Does nothing where there is no {@code /proc} (outside Linux), since
   * whether a copy is in use cannot then be told.
   *
   * @param proc the proc file system, {@code /proc}
   */
  static Removed nativeLibraries(Path dir, Path proc, Instant now) throws IOException {
    Path self = proc.resolve("self");
    if (!Files.isReadable(self.resolve("maps"))) {
      return Removed.NONE;
    }
    UserPrincipal user = Files.getOwner(self);
    Instant cutoff = now.minus(NATIVE_LIBRARY_GRACE);
    List<Path> candidates = list(dir, NATIVE_LIBRARY.asMatchPredicate(), path -> {
      PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class);
      return attributes.isRegularFile()
          && attributes.lastModifiedTime().toInstant().isBefore(cutoff)
          && attributes.owner().equals(user);
    });
    if (candidates.isEmpty()) {
      return Removed.NONE;
    }
    Set<String> mapped = mappedLibraries(proc);
    Removed removed = Removed.NONE;
    for (Path candidate : candidates) {
      // The kernel lists a mapped file by its real path, with symbolic links resolved.
      Path real;
      try {
        real = candidate.toRealPath();
      } catch (NoSuchFileException e) {
        continue;
      }
      if (!mapped.contains(real.toString())) {
        removed = delete(candidate, removed);
      }
    }
    return removed;
  }

  /**
   * Removes DuckDB's spill files from {@code dir} except those in {@code inUse}. Call it with the
   * database open, so that no other process can be using its temporary directory.
   */
  static Removed spillFiles(Path dir, Set<Path> inUse) throws IOException {
    Removed removed = Removed.NONE;
    for (Path file : list(dir, SPILL_FILE.asMatchPredicate(), Files::isRegularFile)) {
      if (!inUse.contains(file.toAbsolutePath().normalize())) {
        removed = delete(file, removed);
      }
    }
    return removed;
  }

  private interface Check {
    boolean test(Path path) throws IOException;
  }

  private static List<Path> list(Path dir, Predicate<String> name, Check check) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        try {
          if (name.test(entry.getFileName().toString()) && check.test(entry)) {
            found.add(entry);
          }
        } catch (NoSuchFileException e) {
          // Removed by its own process while listing.
        }
      }
    }
    return found;
  }

  private static Removed delete(Path file, Removed removed) throws IOException {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      return removed;
    }
    return Files.deleteIfExists(file) ? removed.plus(size) : removed;
  }

  /** The DuckDB library paths that any process whose maps this user may read has mapped. */
  private static Set<String> mappedLibraries(Path proc) throws IOException {
    Set<String> mapped = new HashSet<>();
    List<Path> processes = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
      entries.forEach(processes::add);
    }
    for (Path process : processes) {
      try (Stream<String> lines = Files.lines(process.resolve("maps"))) {
        lines.forEach(line -> {
          int at = line.indexOf('/');
          if (at >= 0 && line.contains("libduckdb_java")) {
            mapped.add(line.substring(at).replace(" (deleted)", ""));
          }
        });
      } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
        // The process ended, or belongs to another user whose copies this user cannot remove.
      }
    }
    return mapped;
  }
}
