package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * What every component is created with besides its configuration.
 *
 * @param id the component's ID in the configuration
 * @param telemetry where the component registers its own metrics
 */
public record CreateSettings(ComponentId id, Telemetry telemetry) {
  public CreateSettings {
    requireNonNull(id, "id");
    requireNonNull(telemetry, "telemetry");
  }
}
