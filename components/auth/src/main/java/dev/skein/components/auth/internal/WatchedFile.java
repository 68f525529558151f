package dev.skein.components.auth.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small file holding secrets (tokens, an htpasswd file), read when its component starts and
 * read again every second while it runs, so that a rotated secret takes effect without a
 * restart. Reading the content rather than watching for events also follows a Kubernetes secret
 * mount, whose files are symbolic links swapped as a whole.
 *
 * <p>When the content changes, the loader gets it; when reading or loading fails, the previous
 * content stays in force and one warning is logged per change, without the content.
 */
public final class WatchedFile implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchedFile.class);
  /** Far above any token or htpasswd file; guards against a setting that names the wrong file. */
  static final long MAX_SIZE = 4L << 20;
  static final Duration INTERVAL = Duration.ofSeconds(1);

  /** Takes a file's content; throws {@link IllegalArgumentException} saying why it cannot. */
  @FunctionalInterface
  public interface Loader {
    void load(String content);
  }

  private final Path path;
  private final String what;
  private final Loader loader;
  private final ScheduledExecutorService poller;
  /** The content seen last, loaded or not, so that a bad file is reported once and not every second. */
  private byte[] seen;
  private String lastProblem;

  private WatchedFile(Path path, String what, Loader loader, byte[] content) {
    this.path = path;
    this.what = what;
    this.loader = loader;
    this.seen = content;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "skein-watch " + what);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Reads {@code path} and hands its content to {@code loader}, then keeps watching it.
   *
   * @param what names the file in messages, e.g. {@code bearertokenauth: filename "/run/token"}
   * @throws IllegalStateException naming {@code what} when the file cannot be read or loaded
   */
  public static WatchedFile open(Path path, String what, Loader loader) {
    requireNonNull(path, "path");
    requireNonNull(what, "what");
    requireNonNull(loader, "loader");
    byte[] content;
    try {
      content = read(path);
      loader.load(new String(content, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(what + ": " + describe(e), e);
    }
    WatchedFile f = new WatchedFile(path, what, loader, content);
    f.poller.scheduleWithFixedDelay(f::poll, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return f;
  }

  private void poll() {
    byte[] content;
    try {
      content = read(path);
    } catch (IOException e) {
      warnOnce("cannot be read (" + describe(e) + "); the previous content stays in force");
      return;
    }
    if (Arrays.equals(content, seen)) {
      return;
    }
    seen = content;
    try {
      loader.load(new String(content, StandardCharsets.UTF_8));
      lastProblem = null;
      log.info("{}: changed; reloaded", what);
    } catch (IllegalArgumentException e) {
      warnOnce("changed, but " + e.getMessage() + "; the previous content stays in force");
    } catch (RuntimeException e) {
      log.warn("{}: changed, but loading it failed; the previous content stays in force", what, e);
    }
  }

  private void warnOnce(String problem) {
    if (!problem.equals(lastProblem)) {
      log.warn("{}: {}", what, problem);
      lastProblem = problem;
    }
  }

  private static byte[] read(Path path) throws IOException {
    long size = Files.size(path);
    if (size > MAX_SIZE) {
      throw new IOException(size + " bytes (expected: at most " + MAX_SIZE + ")");
    }
    return Files.readAllBytes(path);
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Stops watching; idempotent. */
  @Override
  public void close() {
    poller.shutdownNow();
  }
}
