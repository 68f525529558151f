package dev.skein.components.bearertokenauth;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/**
 * Creates the {@code bearertokenauth} extension: a {@link dev.skein.pipeline.ServerAuthenticator}
 * that accepts requests carrying one of the configured tokens.
 */
public final class BearerTokenAuthFactory implements ExtensionFactory<BearerTokenAuthConfig> {
  @Override
  public String type() {
    return "bearertokenauth";
  }

  @Override
  public BearerTokenAuthConfig createDefaultConfig() {
    return new BearerTokenAuthConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, BearerTokenAuthConfig config) {
    return new BearerTokenAuth(settings, config);
  }
}
