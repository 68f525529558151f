package dev.skein.components.jaegerexporter;

import dev.skein.exporterhelper.QueueConfig;
import dev.skein.exporterhelper.RetryConfig;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The Collector's {@code jaeger} exporter settings (its gRPC client settings), with its defaults. */
final class JaegerExporterConfig implements ComponentConfig {
  private static final Pattern HEADER_NAME = Pattern.compile("[0-9a-z_.-]+");

  /** The Jaeger collector's gRPC address, {@code host:port}. Required. */
  String endpoint = "";
  TlsConfig tls = new TlsConfig();
  /** Sent with every request, as gRPC metadata. */
  Map<String, String> headers = new LinkedHashMap<>();
  /** {@code gzip}, or {@code none} (also the empty string) for no compression. */
  String compression = "";
  /** The deadline of each request; 0 means none. */
  Duration timeout = Duration.ofSeconds(5);
  QueueConfig sendingQueue = new QueueConfig();
  RetryConfig retryOnFailure = new RetryConfig();

  /** The Collector's client TLS settings; TLS is on unless {@code insecure} is true. */
  static final class TlsConfig {
    /** Plaintext instead of TLS. */
    boolean insecure = false;
    /** TLS without checking the server's certificate and name. */
    boolean insecureSkipVerify = false;
    /** PEM CA certificates to trust instead of the JDK's. */
    String caFile = "";
    /** PEM client certificate and key, for mutual TLS; both or neither. */
    String certFile = "";
    String keyFile = "";
    /** The name to check the server's certificate against, instead of the endpoint's host. */
    String serverNameOverride = "";
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (endpoint.isEmpty()) {
      errors.add("endpoint: missing (expected: the Jaeger collector's gRPC host:port, e.g. jaeger:14250)");
    } else {
      String problem = Endpoint.problem("endpoint", endpoint);
      if (problem != null) {
        errors.add(problem);
      } else if (host().isEmpty() || port() == 0) {
        errors.add("endpoint: \"" + endpoint + "\" (expected: host:port with a host and a port from 1 to 65535)");
      }
    }
    if (!tls.certFile.isEmpty() != !tls.keyFile.isEmpty()) {
      errors.add("tls: cert_file and key_file must be given together (expected: both or neither)");
    }
    headers.forEach((header, value) -> {
      String name = header.toLowerCase(Locale.ROOT);
      if (!HEADER_NAME.matcher(name).matches() || name.endsWith("-bin") || name.startsWith("grpc-")) {
        errors.add("headers::" + header + ": invalid name (expected: letters, digits, '-', '_' or '.',"
            + " not ending in -bin nor starting with grpc-)");
      }
      if (value == null) {
        errors.add("headers::" + header + ": missing value (expected: a string)");
      }
    });
    if (!compression.isEmpty() && !compression.equals("none") && !compression.equals("gzip")) {
      errors.add("compression: \"" + compression + "\" (expected: gzip or none)");
    }
    if (timeout.isNegative()) {
      errors.add("timeout: " + GoDuration.format(timeout) + " (expected: >= 0, where 0 means none)");
    }
    errors.addAll(sendingQueue.validate("sending_queue"));
    errors.addAll(retryOnFailure.validate("retry_on_failure"));
    return errors;
  }

  /** The endpoint's host, without brackets around an IPv6 address; valid after {@link #validate()}. */
  String host() {
    return endpoint.startsWith(":") ? "" : Endpoint.parse(endpoint).getHostString();
  }

  int port() {
    return Endpoint.parse(endpoint).getPort();
  }
}
