package dev.skein.components.basicauth;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/**
 * Creates the {@code basicauth} extension: a {@link dev.skein.pipeline.ServerAuthenticator} that
 * accepts HTTP Basic credentials listed in htpasswd form.
 */
public final class BasicAuthFactory implements ExtensionFactory<BasicAuthConfig> {
  @Override
  public String type() {
    return "basicauth";
  }

  @Override
  public BasicAuthConfig createDefaultConfig() {
    return new BasicAuthConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, BasicAuthConfig config) {
    return new BasicAuth(settings, config);
  }
}
