package dev.skein.components.multitenancy;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/** Creates the {@code multitenancy} extension. */
public final class MultitenancyFactory implements ExtensionFactory<MultitenancyConfig> {
  @Override
  public String type() {
    return "multitenancy";
  }

  @Override
  public MultitenancyConfig createDefaultConfig() {
    return new MultitenancyConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, MultitenancyConfig config) {
    return new Multitenancy(config);
  }
}
