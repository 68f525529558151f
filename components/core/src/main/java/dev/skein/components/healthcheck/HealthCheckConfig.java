package dev.skein.components.healthcheck;

import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.server.TlsServerConfig;
import java.util.ArrayList;
import java.util.List;

/** The Collector's {@code health_check} extension settings. */
final class HealthCheckConfig implements ComponentConfig {
  String endpoint = "0.0.0.0:13133";
  String path = "/";
  /** Serve the check over TLS; it never asks for credentials, so probes need none. */
  @Nullable TlsServerConfig tls;

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
    if (tls != null) {
      errors.addAll(tls.validate("tls"));
    }
    return errors;
  }
}
