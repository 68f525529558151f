package dev.skein.components.filestorage;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.skein.model.Nullable;
import dev.skein.pipeline.config.GoDuration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One file per key in the client's directory. A value is written to a temporary file that is
 * renamed over the key's file, which is what makes replacing it atomic. Names starting with a dot
 * (the lock file and temporary files) are never keys.
 */
final class FileStorageClient implements StorageClient {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");
  private static final String LOCK_FILE = ".lock";
  private static final long LOCK_POLL_MILLIS = 50;

  private final Path dir;
  private final boolean sync;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Runnable onClose;
  private final AtomicLong tmpCounter = new AtomicLong();
  private volatile boolean closed;

  private FileStorageClient(Path dir, boolean sync, FileChannel lockChannel, FileLock lock, Runnable onClose) {
    this.dir = dir;
    this.sync = sync;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.onClose = onClose;
  }

  /**
   * Opens (creating it if needed) the client directory {@code dir}, waiting up to {@code timeout}
   * for another process to release it, and removes temporary files a crash left behind.
   */
  static FileStorageClient open(Path dir, boolean sync, Duration timeout, Runnable onClose) throws IOException {
    boolean created = !Files.isDirectory(dir);
    Files.createDirectories(dir);
    if (created && sync) {
      syncDirectory(dir.getParent());
    }
    FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), CREATE, WRITE);
    FileLock lock;
    try {
      lock = acquire(channel, dir, timeout);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*.tmp")) {
      for (Path p : entries) {
        Files.deleteIfExists(p);
      }
    }
    return new FileStorageClient(dir, sync, channel, lock, onClose);
  }

  private static FileLock acquire(FileChannel channel, Path dir, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another client in this process
      }
      if (lock != null) {
        return lock;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("storage directory \"" + dir + "\" is in use by another client or process"
            + " (waited " + GoDuration.format(timeout) + ", the extension's timeout)");
      }
      try {
        Thread.sleep(LOCK_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the lock on \"" + dir + "\"", e);
      }
    }
  }

  @Override
  public @Nullable byte[] get(String key) throws IOException {
    Path file = file(key);
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public void set(String key, byte[] value) throws IOException {
    Path target = file(key);
    java.util.Objects.requireNonNull(value, "value");
    Path tmp = dir.resolve("." + key + "." + tmpCounter.incrementAndGet() + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, CREATE_NEW, WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(value);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (sync) {
          ch.force(true);
        }
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    if (sync) {
      syncDirectory(dir);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    if (Files.deleteIfExists(file(key)) && sync) {
      syncDirectory(dir);
    }
  }

  @Override
  public List<String> keys() throws IOException {
    checkOpen();
    List<String> keys = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".")) {
          keys.add(name);
        }
      }
    }
    Collections.sort(keys);
    return keys;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // Closing the channel releases the lock whatever happened; nothing is lost.
    }
    onClose.run();
  }

  private Path file(String key) {
    checkOpen();
    java.util.Objects.requireNonNull(key, "key");
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("key: \"" + key + "\" (expected: 1 to 200 characters of"
          + " A-Z a-z 0-9 . _ -, not starting with a dot)");
    }
    return dir.resolve(key);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the storage client for \"" + dir + "\" is closed");
    }
  }

  /** Makes renames and deletions in {@code dir} durable, which syncing the files alone does not. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, READ)) {
      ch.force(true);
    }
  }
}
