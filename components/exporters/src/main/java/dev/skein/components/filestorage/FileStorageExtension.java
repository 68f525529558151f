package dev.skein.components.filestorage;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code file_storage} extension: durable key/value storage on the local file system for other
 * components, such as an exporter's persistent {@code sending_queue}.
 *
 * <p>Each client gets a subdirectory of {@code directory} named after its owner, as the Collector
 * names its files: {@code <kind>_<type>_<name>_<client name>} (e.g.
 * {@code exporter_otlp_backup_sending_queue}), with characters other than letters, digits, dot,
 * dash and underscore written as {@code ~} and their hexadecimal code. A client keeps what it
 * stored across restarts and finds it again by asking for the same owner and name.
 *
 * <p>{@link #start} creates {@code directory} when {@code create_directory} is set and checks that
 * it is writable. {@link #shutdown} closes every client still open. Both are idempotent.
 */
public final class FileStorageExtension implements Component {
  private final CreateSettings settings;
  private final FileStorageConfig config;
  private final Map<Path, StorageClient> open = new HashMap<>();
  private boolean started;
  private boolean shutDown;

  FileStorageExtension(CreateSettings settings, FileStorageConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public synchronized void start(Host host) throws IOException {
    if (started || shutDown) {
      return;
    }
    Path root = Path.of(config.directory);
    if (config.createDirectory && !Files.isDirectory(root)) {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(symbolic(config.directoryPermissions));
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(perms));
      } else {
        Files.createDirectories(root);
      }
    }
    if (!Files.isDirectory(root)) {
      throw new IOException("directory: \"" + root + "\" does not exist (expected: an existing directory,"
          + " or create_directory: true)");
    }
    if (!Files.isWritable(root)) {
      throw new IOException("directory: \"" + root + "\" is not writable by this process");
    }
    started = true;
  }

  /**
   * Opens the storage of {@code owner}'s client {@code name}, creating it when it does not exist.
   * The client is synced when {@code sync} is true or the extension has {@code fsync: true}. At most
   * one client per owner and name is open at a time; close it to open it again.
   *
   * @throws IllegalStateException if the extension is not running, or that client is already open
   * @throws IOException if the directory cannot be created, or another process holds it for longer
   *     than the extension's {@code timeout}
   */
  public synchronized StorageClient client(ComponentKind kind, ComponentId owner, String name, boolean sync)
      throws IOException {
    requireNonNull(kind, "kind");
    requireNonNull(owner, "owner");
    requireNonNull(name, "name");
    if (!started || shutDown) {
      throw new IllegalStateException("extension \"" + settings.id() + "\" is not running");
    }
    String dirName = String.join("_", List.of(kind.word(), owner.type(), owner.name(), name));
    Path dir = Path.of(config.directory).resolve(sanitize(dirName));
    if (open.containsKey(dir)) {
      throw new IllegalStateException("the storage of " + kind.word() + " \"" + owner + "\" named \"" + name
          + "\" is already open in extension \"" + settings.id() + "\"");
    }
    StorageClient client = FileStorageClient.open(dir, sync || config.fsync, config.timeout, () -> closed(dir));
    open.put(dir, client);
    return client;
  }

  private synchronized void closed(Path dir) {
    open.remove(dir);
  }

  @Override
  public void shutdown() {
    List<StorageClient> clients;
    synchronized (this) {
      shutDown = true;
      clients = List.copyOf(open.values());
    }
    clients.forEach(StorageClient::close);
  }

  static String sanitize(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
      int u = c & 0xff;
      if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
          || u == '.' || u == '-' || u == '_') {
        b.append((char) u);
      } else {
        b.append('~').append(String.format("%02X", u));
      }
    }
    return b.toString();
  }

  private static String symbolic(String octal) {
    String digits = octal.length() == 4 ? octal.substring(1) : octal;
    StringBuilder b = new StringBuilder(9);
    for (char d : digits.toCharArray()) {
      int v = d - '0';
      b.append((v & 4) != 0 ? 'r' : '-').append((v & 2) != 0 ? 'w' : '-').append((v & 1) != 0 ? 'x' : '-');
    }
    return b.toString();
  }
}
