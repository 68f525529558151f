package dev.skein.components.spanmetrics;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Collector's {@code spanmetrics} connector settings, with its defaults except where noted:
 * {@code aggregation_cardinality_limit} defaults to 10000 (the Collector's 0 means no limit), so
 * that memory stays bounded however many label values spans carry.
 */
final class SpanMetricsConfig implements ComponentConfig {
  static final String CUMULATIVE = "AGGREGATION_TEMPORALITY_CUMULATIVE";
  static final String DELTA = "AGGREGATION_TEMPORALITY_DELTA";
  static final List<String> DEFAULT_DIMENSIONS = List.of("service.name", "span.name", "span.kind", "status.code");
  static final double[] DEFAULT_BUCKETS_MS = {
      2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000};

  Histogram histogram = new Histogram();
  List<Dimension> dimensions = new ArrayList<>();
  List<Dimension> callsDimensions = new ArrayList<>();
  List<String> excludeDimensions = new ArrayList<>();
  /** Deprecated in the Collector in favour of aggregation_cardinality_limit; accepted and checked only. */
  int dimensionsCacheSize = 1000;
  int resourceMetricsCacheSize = 1000;
  List<String> resourceMetricsKeyAttributes = new ArrayList<>();
  boolean addResourceAttributes = false;
  String aggregationTemporality = CUMULATIVE;
  Duration metricsFlushInterval = Duration.ofSeconds(60);
  Duration metricsExpiration = Duration.ZERO;
  Duration seriesExpiration = Duration.ZERO;
  int metricTimestampCacheSize = 1000;
  String namespace = "traces.span.metrics";
  Exemplars exemplars = new Exemplars();
  Events events = new Events();
  int aggregationCardinalityLimit = 10_000;

  static final class Histogram {
    boolean disable;
    String unit = "ms";
    @Nullable Explicit explicit;
    @Nullable Exponential exponential;
    List<Dimension> dimensions = new ArrayList<>();
  }

  static final class Explicit {
    @Nullable List<Duration> buckets;
  }

  static final class Exponential {
    int maxSize = 160;
  }

  static final class Dimension {
    String name = "";
    @JsonProperty("default")
    @Nullable String defaultValue;

    Dimension() {}

    Dimension(String name, @Nullable String defaultValue) {
      this.name = name;
      this.defaultValue = defaultValue;
    }
  }

  static final class Exemplars {
    boolean enabled;
    @Nullable Integer maxPerDataPoint;
  }

  static final class Events {
    boolean enabled;
    List<Dimension> dimensions = new ArrayList<>();
  }

  boolean delta() {
    return DELTA.equals(aggregationTemporality);
  }

  /** The duration unit's size in nanoseconds. */
  long unitNanos() {
    return "s".equals(histogram.unit) ? 1_000_000_000L : 1_000_000L;
  }

  /** The histogram's upper bounds in the configured unit. */
  double[] bounds() {
    if (histogram.explicit != null && histogram.explicit.buckets != null) {
      double[] b = new double[histogram.explicit.buckets.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = histogram.explicit.buckets.get(i).toNanos() / (double) unitNanos();
      }
      return b;
    }
    double[] b = DEFAULT_BUCKETS_MS.clone();
    if ("s".equals(histogram.unit)) {
      for (int i = 0; i < b.length; i++) {
        b[i] = b[i] / 1000;
      }
    }
    return b;
  }

  /** The default dimensions that are not excluded, in their fixed order. */
  List<String> defaultDimensions() {
    List<String> out = new ArrayList<>(DEFAULT_DIMENSIONS);
    out.removeAll(excludeDimensions);
    return out;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    checkDimensions(errors, "dimensions", dimensions, new HashSet<>(DEFAULT_DIMENSIONS));
    Set<String> base = new HashSet<>(DEFAULT_DIMENSIONS);
    dimensions.forEach(d -> base.add(d.name));
    checkDimensions(errors, "calls_dimensions", callsDimensions, new HashSet<>(base));
    checkDimensions(errors, "histogram::dimensions", histogram.dimensions, new HashSet<>(base));
    if (events.enabled) {
      if (events.dimensions.isEmpty()) {
        errors.add("events::dimensions: [] (expected: at least one dimension when events::enabled is true)");
      }
      checkDimensions(errors, "events::dimensions", events.dimensions, new HashSet<>(base));
    }
    if (!"ms".equals(histogram.unit) && !"s".equals(histogram.unit)) {
      errors.add("histogram::unit: \"" + histogram.unit + "\" (expected: ms or s)");
    }
    if (histogram.exponential != null) {
      errors.add("histogram::exponential: exponential histograms are not supported"
          + " (expected: histogram::explicit, which the Prometheus text format can expose)");
    }
    if (histogram.explicit != null && histogram.explicit.buckets != null) {
      List<Duration> b = histogram.explicit.buckets;
      for (int i = 0; i < b.size(); i++) {
        if (b.get(i).isNegative() || (i > 0 && b.get(i).compareTo(b.get(i - 1)) <= 0)) {
          errors.add("histogram::explicit::buckets: " + format(b) + " (expected: increasing, non-negative durations)");
          break;
        }
      }
    }
    if (!CUMULATIVE.equals(aggregationTemporality) && !DELTA.equals(aggregationTemporality)) {
      errors.add("aggregation_temporality: \"" + aggregationTemporality + "\" (expected: " + CUMULATIVE + " or " + DELTA + ")");
    }
    if (metricsFlushInterval.isNegative() || metricsFlushInterval.isZero()) {
      errors.add("metrics_flush_interval: " + GoDuration.format(metricsFlushInterval) + " (expected: > 0)");
    }
    if (metricsExpiration.isNegative()) {
      errors.add("metrics_expiration: " + GoDuration.format(metricsExpiration) + " (expected: >= 0, where 0 means never)");
    }
    if (seriesExpiration.isNegative()) {
      errors.add("series_expiration: " + GoDuration.format(seriesExpiration) + " (expected: >= 0, where 0 means never)");
    }
    if (aggregationCardinalityLimit < 0) {
      errors.add("aggregation_cardinality_limit: " + aggregationCardinalityLimit + " (expected: >= 0, where 0 means no limit)");
    }
    if (dimensionsCacheSize <= 0) {
      errors.add("dimensions_cache_size: " + dimensionsCacheSize + " (expected: > 0)");
    }
    if (resourceMetricsCacheSize <= 0) {
      errors.add("resource_metrics_cache_size: " + resourceMetricsCacheSize + " (expected: > 0)");
    }
    if (metricTimestampCacheSize <= 0) {
      errors.add("metric_timestamp_cache_size: " + metricTimestampCacheSize + " (expected: > 0)");
    }
    if (exemplars.maxPerDataPoint != null && exemplars.maxPerDataPoint <= 0) {
      errors.add("exemplars::max_per_data_point: " + exemplars.maxPerDataPoint + " (expected: > 0)");
    }
    return errors;
  }

  private static void checkDimensions(List<String> errors, String key, List<Dimension> dims, Set<String> taken) {
    for (int i = 0; i < dims.size(); i++) {
      Dimension d = dims.get(i);
      if (d == null || d.name == null || d.name.isEmpty()) {
        errors.add(key + "[" + i + "]::name: \"\" (expected: an attribute name)");
      } else if (!taken.add(d.name)) {
        errors.add(key + "[" + i + "]::name: \"" + d.name + "\" (expected: a name not already used as a dimension)");
      }
    }
  }

  private static String format(List<Duration> ds) {
    List<String> out = new ArrayList<>();
    ds.forEach(d -> out.add(GoDuration.format(d)));
    return "[" + String.join(", ", out) + "]";
  }
}
