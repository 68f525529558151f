package dev.skein.components.filestorage;

import dev.skein.model.Nullable;
import java.io.IOException;
import java.util.List;

/**
 * A durable key/value store that belongs to one component, kept in a directory of its own under a
 * {@code file_storage} extension's {@code directory}. Obtain one with
 * {@link FileStorageExtension#client}.
 *
 * <p>Keys are 1 to 200 characters of {@code A-Z a-z 0-9 . _ -}, not starting with a dot. Values
 * are byte arrays of any size. {@link #set} replaces a value atomically: after a crash a key holds
 * its old value or its new one, never a mix. When the client is <em>synced</em> (the extension's
 * {@code fsync: true}, or a client opened with {@code sync}), {@link #set} and {@link #delete}
 * return only once the change is on disk; otherwise the operating system writes it back later and a
 * power loss may undo recent changes.
 *
 * <p>A client holds a lock on its directory, so two processes cannot use the same one. All methods
 * are thread-safe. After {@link #close()}, every method but {@code close} throws
 * {@link IllegalStateException}.
 */
public interface StorageClient extends AutoCloseable {
  /** Returns the value of {@code key}, or null when it has none. */
  @Nullable byte[] get(String key) throws IOException;

  /** Sets {@code key} to {@code value}, replacing any previous value. The array is not retained. */
  void set(String key, byte[] value) throws IOException;

  /** Removes {@code key}; removing a key that has no value does nothing. */
  void delete(String key) throws IOException;

  /** Every key that has a value, in ascending order of their characters. */
  List<String> keys() throws IOException;

  /** Releases the directory. Idempotent; what was written stays on disk. */
  @Override
  void close();
}
