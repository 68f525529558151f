package dev.skein.storage;

/** A failure of a storage backend. {@link #retryable()} says whether the same write may succeed later. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;

  public StorageException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
