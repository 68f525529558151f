package dev.skein.storage;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a backend can answer. The query layer checks these before it asks, and answers a request
 * that needs a missing capability with a clear error instead of an empty result.
 */
public record Capabilities(Set<Capability> supported) {
  public Capabilities {
    supported = Set.copyOf(supported);
  }

  public static Capabilities of(Capability... capabilities) {
    EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
    set.addAll(java.util.List.of(capabilities));
    return new Capabilities(set);
  }

  public boolean supports(Capability capability) {
    return supported.contains(capability);
  }

  /** One thing a backend may or may not do. */
  public enum Capability {
    /** Trace by ID, services and operations: every backend has these. */
    TRACE_BY_ID,
    /** Spans survive a crash of the process once {@link TraceWriter#write} completed. */
    DURABLE,
    /** Spans older than the configured retention are deleted. */
    RETENTION,
    /**
     * {@link TraceReader#search}: every {@link dev.skein.storage.search.TraceQuery} condition,
     * every order, and cursor paging.
     */
    SEARCH,
    /**
     * Search returns candidate traces in a stable order and {@link TraceReader#trace(dev.skein.model.TraceId, int)}
     * returns them with parent span IDs, so the query layer can evaluate TraceQL's structural
     * operators and aggregates on them, page by page.
     */
    TRACEQL_STRUCTURAL,
    /** {@link TraceReader#dependencies}. */
    DEPENDENCIES,
    /** {@link TraceReader#tagNames} and {@link TraceReader#tagValues}. */
    TAGS,
    /**
     * Aggregates over stored spans: {@link TraceReader#red}, {@link TraceReader#baselines} and
     * {@link TraceReader#compare}.
     */
    ANALYTICS,
  }
}
