package dev.skein.storage;

import dev.skein.model.Traces;
import java.util.concurrent.CompletableFuture;

/** Writes spans to a store. Implementations are thread-safe. */
public interface TraceWriter {
  /**
   * Stores every span of {@code traces}. The returned future completes only once the spans are
   * durable to the degree the backend promises (for the embedded store: committed to its
   * write-ahead log), so a caller may acknowledge them to its client then. It completes
   * exceptionally with a {@link StorageException} when nothing of the batch can be guaranteed.
   * Writing the same span twice is allowed; readers may then return it twice.
   */
  CompletableFuture<Void> write(Traces traces);
}
