package dev.skein.components.zipkinreceiver;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.server.ServerAuthConfig;
import dev.skein.pipeline.server.TlsServerConfig;
import java.util.ArrayList;
import java.util.List;

/** The Collector's {@code zipkin} receiver settings, with its defaults. */
final class ZipkinReceiverConfig implements ComponentConfig {
  String endpoint = "0.0.0.0:9411";
  /** Whether tag values {@code "true"}, {@code "false"} and numbers become typed attributes. */
  boolean parseStringTags = false;
  /** The largest request body, in bytes, both as sent and after decompression (confighttp's default). */
  long maxRequestBodySize = 20L * 1024 * 1024;
  /** Serve TLS (and, with {@code client_ca_file}, require client certificates). */
  @Nullable TlsServerConfig tls;
  /** The authenticator extension every request must pass. */
  @JsonSetter(nulls = Nulls.AS_EMPTY)
  @Nullable ServerAuthConfig auth;

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String problem = Endpoint.problem("endpoint", endpoint);
    if (problem != null) {
      errors.add(problem);
    }
    if (maxRequestBodySize <= 0) {
      errors.add("max_request_body_size: " + maxRequestBodySize + " (expected: > 0)");
    }
    if (tls != null) {
      errors.addAll(tls.validate("tls"));
    }
    if (auth != null) {
      errors.addAll(auth.validate("auth"));
    }
    return errors;
  }
}
