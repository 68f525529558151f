package dev.skein.components.otlphttpexporter;

import dev.skein.components.exporters.internal.TlsClientConfig;
import dev.skein.exporterhelper.QueueConfig;
import dev.skein.exporterhelper.RetryConfig;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Collector's {@code otlphttp} exporter settings: {@code endpoint} (the base URL;
 * {@code /v1/traces} is appended), {@code traces_endpoint} (the full URL, used as it is),
 * {@code tls} (used for {@code https} URLs), {@code headers}, {@code compression} (gzip, or none),
 * {@code encoding} (proto, or json), {@code timeout} (30s per request), {@code sending_queue} and
 * {@code retry_on_failure}.
 */
final class OtlpHttpExporterConfig implements ComponentConfig {
  /** Headers the JDK's HTTP client sets itself and refuses to take from us. */
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  String endpoint = "";
  String tracesEndpoint = "";
  TlsClientConfig tls = new TlsClientConfig();
  Map<String, String> headers = new LinkedHashMap<>();
  String compression = "gzip";
  String encoding = "proto";
  Duration timeout = Duration.ofSeconds(30);
  QueueConfig sendingQueue = new QueueConfig();
  RetryConfig retryOnFailure = new RetryConfig();

  /** Where traces go: {@code traces_endpoint}, else {@code endpoint} with {@code /v1/traces}. */
  URI tracesUri() {
    if (!tracesEndpoint.isEmpty()) {
      return URI.create(tracesEndpoint);
    }
    String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    return URI.create(base + "/v1/traces");
  }

  boolean json() {
    return encoding.equals("json");
  }

  boolean gzip() {
    return compression.equals("gzip");
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (endpoint.isEmpty() && tracesEndpoint.isEmpty()) {
      errors.add("endpoint: missing (expected: the base URL of an OTLP/HTTP server, e.g. https://collector:4318,"
          + " or traces_endpoint)");
    }
    url(errors, "endpoint", endpoint);
    url(errors, "traces_endpoint", tracesEndpoint);
    if (!compression.equals("gzip") && !compression.equals("none") && !compression.isEmpty()) {
      errors.add("compression: \"" + compression + "\" (expected: gzip or none)");
    }
    if (!encoding.equals("proto") && !encoding.equals("json")) {
      errors.add("encoding: \"" + encoding + "\" (expected: proto or json)");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      errors.add("timeout: " + GoDuration.format(timeout) + " (expected: > 0)");
    }
    headers.forEach((name, value) -> {
      if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
        errors.add("headers: \"" + name + "\" (expected: a header name of printable characters without ':')");
      } else if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        errors.add("headers: \"" + name + "\" (expected: a header other than Connection, Content-Length,"
            + " Expect, Host and Upgrade, which the HTTP client sets itself)");
      }
    });
    errors.addAll(tls.validate("tls"));
    errors.addAll(sendingQueue.validate("sending_queue"));
    errors.addAll(retryOnFailure.validate("retry_on_failure"));
    return errors;
  }

  private static void url(List<String> errors, String key, String value) {
    if (value.isEmpty()) {
      return;
    }
    try {
      URI u = new URI(value);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        errors.add(key + ": \"" + value + "\" (expected: an http or https URL with a host)");
      }
    } catch (URISyntaxException e) {
      errors.add(key + ": \"" + value + "\" (expected: a URL: " + e.getReason() + ")");
    }
  }
}
