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
   * Writes are idempotent: a span written again under the same resource and scope (a retry) is
   * stored once, and readers return and count it once. Spans that merely share a span ID (as
   * Zipkin's client and server halves do) are different spans.
   */
  CompletableFuture<Void> write(Traces traces);
}
