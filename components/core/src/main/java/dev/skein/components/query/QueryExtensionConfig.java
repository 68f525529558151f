package dev.skein.components.query;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.server.ServerAuthConfig;
import dev.skein.pipeline.server.TlsServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code query} extension: where the query APIs and the UI listen, which backend they read,
 * and, as in the Collector's {@code confighttp} server settings, {@code tls} and {@code auth}.
 */
final class QueryExtensionConfig implements ComponentConfig {
  String endpoint = "0.0.0.0:16686";
  String backend = "main";
  Limits limits = new Limits();
  /** Serve the APIs and the UI over TLS (and, with {@code client_ca_file}, require client certificates). */
  @Nullable TlsServerConfig tls;
  /** The authenticator extension every request, for the APIs and the UI alike, must pass. */
  @JsonSetter(nulls = Nulls.AS_EMPTY)
  @Nullable ServerAuthConfig auth;

  /** Caps that keep one query from taking the server down. */
  static final class Limits {
    int maxTracesPerSearch = 1000;
    java.time.Duration maxTimeRange = java.time.Duration.ofHours(168);
    int maxSpansPerTrace = 10_000;
    java.time.Duration regexBudget = java.time.Duration.ofSeconds(1);
    int maxInspectedTraces = 10_000;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String p = Endpoint.problem("endpoint", endpoint);
    if (p != null) {
      errors.add(p);
    }
    positive(errors, "limits::max_traces_per_search", limits.maxTracesPerSearch);
    positive(errors, "limits::max_spans_per_trace", limits.maxSpansPerTrace);
    positive(errors, "limits::max_inspected_traces", limits.maxInspectedTraces);
    positive(errors, "limits::max_time_range", limits.maxTimeRange);
    positive(errors, "limits::regex_budget", limits.regexBudget);
    if (backend.isBlank()) {
      errors.add("backend: empty (expected: the name of a storage backend)");
    }
    if (tls != null) {
      errors.addAll(tls.validate("tls"));
    }
    if (auth != null) {
      errors.addAll(auth.validate("auth"));
    }
    return errors;
  }

  private static void positive(List<String> errors, String key, int n) {
    if (n <= 0) {
      errors.add(key + ": " + n + " (expected: > 0)");
    }
  }

  private static void positive(List<String> errors, String key, java.time.Duration d) {
    if (d.isNegative() || d.isZero()) {
      errors.add(key + ": " + dev.skein.pipeline.config.GoDuration.format(d) + " (expected: > 0)");
    }
  }
}
