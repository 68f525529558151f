package dev.skein.components.query;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExtensionFactory;

/** Creates the {@code query} extension, which serves the query APIs. */
public final class QueryExtensionFactory implements ExtensionFactory<QueryExtensionConfig> {
  @Override
  public String type() {
    return "query";
  }

  @Override
  public QueryExtensionConfig createDefaultConfig() {
    return new QueryExtensionConfig();
  }

  @Override
  public Component createExtension(CreateSettings settings, QueryExtensionConfig config) {
    return new QueryExtension(settings, config);
  }
}
