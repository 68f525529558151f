package dev.skein.components.fileexporter;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.skein.components.fileexporter.FileExporterConfig.Rotation;
import dev.skein.model.Nullable;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A file written with unbuffered appends, rotated as lumberjack (which the Collector uses) rotates:
 * when a write would take the file past {@code max_megabytes}, the file is renamed to
 * {@code <name>-<time><extension>} (time as {@code 2006-01-02T15-04-05.000}, in UTC unless
 * {@code localtime}) and a new one is started; then rotated files beyond {@code max_backups} or older
 * than {@code max_days} are removed. A single write larger than the limit goes to a file of its own.
 * Not thread-safe.
 */
final class RotatingFile implements Closeable {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS");

  private final Path path;
  @Nullable private final Rotation rotation;
  private final Clock clock;
  private final ZoneId zone;
  private final String stem;
  private final String extension;
  private FileChannel channel;
  private long size;

  private RotatingFile(Path path, @Nullable Rotation rotation, Clock clock, FileChannel channel) throws IOException {
    this.path = path;
    this.rotation = rotation;
    this.clock = clock;
    this.zone = rotation != null && rotation.localtime ? ZoneId.systemDefault() : ZoneOffset.UTC;
    String name = path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.stem = dot > 0 ? name.substring(0, dot) : name;
    this.extension = dot > 0 ? name.substring(dot) : "";
    this.channel = channel;
    this.size = channel.size();
  }

  /** Opens {@code path}, creating its directories; {@code truncate} empties an existing file. */
  static RotatingFile open(Path path, boolean truncate, @Nullable Rotation rotation, Clock clock) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch = truncate ? FileChannel.open(path, CREATE, WRITE, TRUNCATE_EXISTING)
        : FileChannel.open(path, CREATE, WRITE, APPEND);
    return new RotatingFile(path, rotation, clock, ch);
  }

  /** Appends {@code data}, rotating first when it would not fit. */
  void write(byte[] data) throws IOException {
    if (rotation != null && size > 0 && size + data.length > rotation.maxMegabytes * 1024L * 1024L) {
      rotate();
    }
    ByteBuffer buf = ByteBuffer.wrap(data);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    size += data.length;
  }

  /** Forces what was written to disk. */
  void force() throws IOException {
    channel.force(false);
  }

  private void rotate() throws IOException {
    channel.force(false);
    channel.close();
    Instant at = clock.instant();
    Path backup;
    do {
      backup = path.resolveSibling(stem + "-" + STAMP.format(LocalDateTime.ofInstant(at, zone)) + extension);
      at = at.plusMillis(1);
    } while (Files.exists(backup));
    Files.move(path, backup);
    channel = FileChannel.open(path, CREATE, WRITE, TRUNCATE_EXISTING);
    size = 0;
    removeOldBackups();
  }

  private void removeOldBackups() throws IOException {
    record Backup(Path file, Instant time) {}
    List<Backup> backups = new ArrayList<>();
    Path dir = path.toAbsolutePath().getParent();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, globEscape(stem) + "-*" + globEscape(extension))) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        String stamp = name.substring(stem.length() + 1, name.length() - extension.length());
        try {
          backups.add(new Backup(f, LocalDateTime.parse(stamp, STAMP).atZone(zone).toInstant()));
        } catch (DateTimeParseException e) {
          // not one of ours
        }
      }
    }
    backups.sort(Comparator.comparing(Backup::time).reversed());
    Instant oldest = rotation.maxDays > 0 ? clock.instant().minus(Duration.ofDays(rotation.maxDays)) : null;
    for (int i = 0; i < backups.size(); i++) {
      Backup b = backups.get(i);
      if ((rotation.maxBackups > 0 && i >= rotation.maxBackups) || (oldest != null && b.time().isBefore(oldest))) {
        Files.deleteIfExists(b.file());
      }
    }
  }

  private static String globEscape(String s) {
    return s.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
  }

  @Override
  public void close() throws IOException {
    try {
      channel.force(false);
    } finally {
      channel.close();
    }
  }
}
