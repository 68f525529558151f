package dev.skein.components.healthcheck;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import java.util.ArrayList;
import java.util.List;

/** The Collector's {@code health_check} extension settings. */
final class HealthCheckConfig implements ComponentConfig {
  String endpoint = "0.0.0.0:13133";
  String path = "/";

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String p = Endpoint.problem("endpoint", endpoint);
    if (p != null) {
      errors.add(p);
    }
    if (!path.startsWith("/")) {
      errors.add("path: \"" + path + "\" (expected: a path starting with /)");
    }
    return errors;
  }
}
