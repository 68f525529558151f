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
  }
}
