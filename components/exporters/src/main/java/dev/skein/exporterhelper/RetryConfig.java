package dev.skein.exporterhelper;

import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code retry_on_failure} settings, with its defaults: {@code enabled} (true),
 * {@code initial_interval} (5s), {@code randomization_factor} (0.5), {@code multiplier} (1.5),
 * {@code max_interval} (30s) and {@code max_elapsed_time} (5m; 0 retries forever).
 */
public final class RetryConfig {
  boolean enabled = true;
  Duration initialInterval = Duration.ofSeconds(5);
  double randomizationFactor = 0.5;
  double multiplier = 1.5;
  Duration maxInterval = Duration.ofSeconds(30);
  /** 0 means retry forever. */
  Duration maxElapsedTime = Duration.ofMinutes(5);

  public boolean enabled() {
    return enabled;
  }

  public Duration initialInterval() {
    return initialInterval;
  }

  public double randomizationFactor() {
    return randomizationFactor;
  }

  public double multiplier() {
    return multiplier;
  }

  public Duration maxInterval() {
    return maxInterval;
  }

  public Duration maxElapsedTime() {
    return maxElapsedTime;
  }

  /** Problems, each prefixed with {@code prefix} (e.g. {@code retry_on_failure}). */
  public List<String> validate(String prefix) {
    List<String> errors = new ArrayList<>();
    if (!enabled) {
      return errors;
    }
    if (initialInterval.isNegative() || initialInterval.isZero()) {
      errors.add(prefix + "::initial_interval: " + GoDuration.format(initialInterval) + " (expected: > 0)");
    }
    if (randomizationFactor < 0 || randomizationFactor > 1) {
      errors.add(prefix + "::randomization_factor: " + randomizationFactor + " (expected: between 0 and 1)");
    }
    if (multiplier < 1) {
      errors.add(prefix + "::multiplier: " + multiplier + " (expected: >= 1)");
    }
    if (maxInterval.compareTo(initialInterval) < 0) {
      errors.add(prefix + "::max_interval: " + GoDuration.format(maxInterval) + " (expected: >= initial_interval)");
    }
    if (maxElapsedTime.isNegative()) {
      errors.add(prefix + "::max_elapsed_time: " + GoDuration.format(maxElapsedTime) + " (expected: >= 0)");
    }
    return errors;
  }
}
