package dev.skein.components.otlpexporter;

import dev.skein.components.exporters.internal.TlsClientConfig;
import dev.skein.exporterhelper.QueueConfig;
import dev.skein.exporterhelper.RetryConfig;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Collector's {@code otlp} exporter settings: {@code endpoint} (required, {@code host:port},
 * optionally after {@code http://}, {@code https://} or a gRPC name resolver such as
 * {@code dns:///}), {@code tls}, {@code headers}, {@code compression} (gzip, or none),
 * {@code timeout} (5s per attempt), {@code sending_queue} and {@code retry_on_failure}.
 *
 * <p>As in the Collector, the connection uses TLS unless {@code tls::insecure} is true; an
 * {@code https://} endpoint uses TLS regardless.
 */
final class OtlpExporterConfig implements ComponentConfig {
  String endpoint = "";
  TlsClientConfig tls = new TlsClientConfig();
  Map<String, String> headers = new LinkedHashMap<>();
  String compression = "gzip";
  Duration timeout = Duration.ofSeconds(5);
  QueueConfig sendingQueue = new QueueConfig();
  RetryConfig retryOnFailure = new RetryConfig();

  /** The target grpc-java dials: the endpoint without an {@code http://} or {@code https://} prefix. */
  String target() {
    if (endpoint.startsWith("http://")) {
      return endpoint.substring("http://".length());
    }
    if (endpoint.startsWith("https://")) {
      return endpoint.substring("https://".length());
    }
    return endpoint;
  }

  boolean useTls() {
    return !tls.insecure() || endpoint.startsWith("https://");
  }

  boolean gzip() {
    return compression.equals("gzip");
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (endpoint.isBlank()) {
      errors.add("endpoint: missing (expected: host:port of an OTLP/gRPC server, e.g. collector:4317)");
    } else if (!target().contains("://")) {
      String problem = Endpoint.problem("endpoint", target());
      if (problem != null) {
        errors.add(problem);
      }
    }
    if (!compression.equals("gzip") && !compression.equals("none") && !compression.isEmpty()) {
      errors.add("compression: \"" + compression + "\" (expected: gzip or none)");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      errors.add("timeout: " + GoDuration.format(timeout) + " (expected: > 0)");
    }
    headers.forEach((name, value) -> {
      if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
        errors.add("headers: \"" + name + "\" (expected: a header name of printable characters without ':')");
      } else if (name.toLowerCase(java.util.Locale.ROOT).endsWith("-bin")) {
        errors.add("headers: \"" + name + "\" (expected: a text header; gRPC reserves names ending in -bin"
            + " for binary values)");
      }
    });
    errors.addAll(tls.validate("tls"));
    errors.addAll(sendingQueue.validate("sending_queue"));
    errors.addAll(retryOnFailure.validate("retry_on_failure"));
    return errors;
  }
}
