package dev.skein.pipeline;

import java.util.Locale;
import java.util.Optional;

/** The kinds of data a pipeline carries; a pipeline's ID starts with its signal ({@code traces/main}). */
public enum Signal {
  TRACES,
  METRICS;

  /** The name used in pipeline IDs, e.g. {@code traces}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a pipeline ID's type; logs and anything else are not supported. */
  public static Optional<Signal> of(String type) {
    for (Signal s : values()) {
      if (s.id().equals(type)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
