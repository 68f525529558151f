package dev.skein.components.prometheusexporter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Collector's {@code prometheus} exporter settings, with its defaults except two: the
 * endpoint defaults to {@code 0.0.0.0:8889}, Skein's span-metrics port, where the Collector has
 * none; and OpenMetrics is served whenever a scraper asks for it ({@code enable_open_metrics}
 * defaults to true), so that exemplars reach Prometheus.
 */
final class PrometheusExporterConfig implements ComponentConfig {
  static final String WITH_SUFFIXES = "UnderscoreEscapingWithSuffixes";
  static final String WITHOUT_SUFFIXES = "UnderscoreEscapingWithoutSuffixes";

  String endpoint = "0.0.0.0:8889";
  @Nullable Tls tls;
  String namespace = "";
  Map<String, String> constLabels = new LinkedHashMap<>();
  boolean sendTimestamps = false;
  Duration metricExpiration = Duration.ofMinutes(5);
  ResourceToTelemetry resourceToTelemetryConversion = new ResourceToTelemetry();
  boolean enableOpenMetrics = true;
  boolean addMetricSuffixes = true;
  @Nullable String translationStrategy;
  /** Accepted for compatibility: Skein adds no instrumentation-scope labels either way. */
  boolean withoutScopeInfo = false;

  /** The endpoint shared by this exporter's traces and metrics sides; not a setting. */
  @JsonIgnore
  transient @Nullable PrometheusEndpoint endpointInstance;

  static final class Tls {
    String certFile = "";
    String keyFile = "";
  }

  static final class ResourceToTelemetry {
    boolean enabled;
  }

  /** Whether unit and type suffixes are added; {@code translation_strategy} wins over {@code add_metric_suffixes}. */
  boolean suffixes() {
    return translationStrategy == null ? addMetricSuffixes : WITH_SUFFIXES.equals(translationStrategy);
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String problem = Endpoint.problem("endpoint", endpoint);
    if (problem != null) {
      errors.add(problem);
    }
    if (tls != null && (tls.certFile.isEmpty() || tls.keyFile.isEmpty())) {
      errors.add("tls: cert_file and key_file are both required");
    }
    constLabels.forEach((k, v) -> {
      if (!Naming.isValidLabelName(k)) {
        errors.add("const_labels::" + k + ": not a valid label name (expected: letters, digits and underscores,"
            + " not starting with a digit or __)");
      }
    });
    if (metricExpiration.isNegative() || metricExpiration.isZero()) {
      errors.add("metric_expiration: " + GoDuration.format(metricExpiration) + " (expected: > 0)");
    }
    if (translationStrategy != null && !WITH_SUFFIXES.equals(translationStrategy)
        && !WITHOUT_SUFFIXES.equals(translationStrategy)) {
      errors.add("translation_strategy: \"" + translationStrategy + "\" (expected: " + WITH_SUFFIXES + " or "
          + WITHOUT_SUFFIXES + "; UTF-8 names are not supported)");
    }
    return errors;
  }
}
