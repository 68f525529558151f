package dev.skein.components.query;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import java.util.ArrayList;
import java.util.List;

/** The {@code query} extension: where the query APIs listen and which backend they read. */
final class QueryExtensionConfig implements ComponentConfig {
  String endpoint = "0.0.0.0:16686";
  String backend = "main";

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String p = Endpoint.problem("endpoint", endpoint);
    if (p != null) {
      errors.add(p);
    }
    if (backend.isBlank()) {
      errors.add("backend: empty (expected: the name of a storage backend)");
    }
    return errors;
  }
}
