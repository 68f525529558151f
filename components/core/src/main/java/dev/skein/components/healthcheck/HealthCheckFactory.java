package dev.skein.components.healthcheck;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/** Creates the {@code health_check} extension. */
public final class HealthCheckFactory implements ExtensionFactory<HealthCheckConfig> {
  @Override
  public String type() {
    return "health_check";
  }

  @Override
  public HealthCheckConfig createDefaultConfig() {
    return new HealthCheckConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, HealthCheckConfig config) {
    return new HealthCheck(config);
  }
}
