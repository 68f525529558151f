package dev.skein.storage;

/**
 * A storage backend: one writer and one reader over the same data. {@link #close()} is idempotent;
 * it waits for writes in flight and then releases the store.
 */
public interface TraceStore extends TraceWriter, TraceReader, AutoCloseable {
  @Override
  Capabilities capabilities();

  @Override
  void close();
}
