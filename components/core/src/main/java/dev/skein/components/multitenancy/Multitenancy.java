package dev.skein.components.multitenancy;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.server.Tenancy;

/**
 * Turns multitenancy on: while it runs, every receiver and the query extension take each
 * request's tenant from its authenticated token or from the {@code header}, refuse requests
 * without one, and keep each tenant's spans apart (see {@link Tenancy}).
 */
final class Multitenancy implements Component, Tenancy.Policy {
  private final MultitenancyConfig config;

  Multitenancy(MultitenancyConfig config) {
    this.config = config;
  }

  @Override
  public String header() {
    return config.header;
  }

  @Override
  public void start(Host host) {}

  @Override
  public void shutdown() {}
}
