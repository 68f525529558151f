package dev.skein.pipeline.config;

import java.time.Duration;

/**
 * Durations in configuration files, written as in Go ({@code 200ms}, {@code 1h30m}, {@code 168h});
 * the rules are {@link dev.skein.model.GoDuration}'s.
 */
public final class GoDuration {
  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static Duration parse(String text) {
    return dev.skein.model.GoDuration.parse(text);
  }

  /** Formats {@code d} in the shortest Go form, e.g. {@code 168h}. */
  public static String format(Duration d) {
    return dev.skein.model.GoDuration.format(d);
  }
}
