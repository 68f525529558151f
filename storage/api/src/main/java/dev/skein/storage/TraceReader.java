package dev.skein.storage;

import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import java.util.List;
import java.util.Optional;
import dev.skein.model.Nullable;

/** Reads spans from a store. Implementations are thread-safe. */
public interface TraceReader {
  /**
   * Returns every stored span of the trace, grouped by resource and scope, or empty when no span
   * of it is stored. Spans written after the returned future of {@link TraceWriter#write}
   * completed are always visible.
   */
  Optional<Traces> trace(TraceId traceId);

  /** Returns the names of every service that has stored spans, sorted. */
  List<String> services();

  /**
   * Returns the operations of {@code service}, sorted by name then kind.
   *
   * @param spanKind a Jaeger span kind ({@code server}, {@code client}, {@code producer},
   *     {@code consumer}, {@code internal}) to keep only those, or null for all
   */
  List<Operation> operations(String service, @Nullable String spanKind);
}
