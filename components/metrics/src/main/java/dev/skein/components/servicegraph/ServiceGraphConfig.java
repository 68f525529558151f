package dev.skein.components.servicegraph;

import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code servicegraph} connector settings, with its defaults, except that
 * {@code virtual_node_peer_attributes} also lists {@code messaging.system}, so that a broker that
 * runs no instrumentation appears as a node too.
 */
final class ServiceGraphConfig implements ComponentConfig {
  static final double[] DEFAULT_BUCKETS_SECONDS = {
      0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15};

  @Nullable List<Duration> latencyHistogramBuckets;
  List<String> dimensions = new ArrayList<>();
  Store store = new Store();
  Duration cacheLoop = Duration.ofMinutes(1);
  Duration storeExpirationLoop = Duration.ofSeconds(2);
  List<String> virtualNodePeerAttributes =
      new ArrayList<>(List.of("peer.service", "db.name", "db.system", "messaging.system"));
  boolean virtualNodeExtraLabel;
  Duration metricsFlushInterval = Duration.ofSeconds(60);
  Duration metricsTimestampOffset = Duration.ZERO;
  List<String> databaseNameAttributes = new ArrayList<>(List.of("db.name"));
  int exponentialHistogramMaxSize;

  static final class Store {
    Duration ttl = Duration.ofSeconds(2);
    int maxItems = 1000;
  }

  double[] bounds() {
    if (latencyHistogramBuckets == null) {
      return DEFAULT_BUCKETS_SECONDS.clone();
    }
    double[] b = new double[latencyHistogramBuckets.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = latencyHistogramBuckets.get(i).toNanos() / 1e9;
    }
    return b;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (latencyHistogramBuckets != null) {
      for (int i = 0; i < latencyHistogramBuckets.size(); i++) {
        Duration d = latencyHistogramBuckets.get(i);
        if (d.isNegative() || (i > 0 && d.compareTo(latencyHistogramBuckets.get(i - 1)) <= 0)) {
          List<String> shown = new ArrayList<>();
          latencyHistogramBuckets.forEach(x -> shown.add(GoDuration.format(x)));
          errors.add("latency_histogram_buckets: [" + String.join(", ", shown)
              + "] (expected: increasing, non-negative durations)");
          break;
        }
      }
    }
    if (exponentialHistogramMaxSize != 0) {
      errors.add("exponential_histogram_max_size: " + exponentialHistogramMaxSize
          + " (expected: 0; exponential histograms are not supported, use latency_histogram_buckets)");
    }
    positive(errors, "store::ttl", store.ttl);
    if (store.maxItems <= 0) {
      errors.add("store::max_items: " + store.maxItems + " (expected: > 0)");
    }
    positive(errors, "cache_loop", cacheLoop);
    positive(errors, "store_expiration_loop", storeExpirationLoop);
    if (metricsFlushInterval.isNegative()) {
      errors.add("metrics_flush_interval: " + GoDuration.format(metricsFlushInterval)
          + " (expected: >= 0, where 0 flushes after every batch)");
    }
    if (metricsTimestampOffset.isNegative()) {
      errors.add("metrics_timestamp_offset: " + GoDuration.format(metricsTimestampOffset) + " (expected: >= 0)");
    }
    for (int i = 0; i < dimensions.size(); i++) {
      if (dimensions.get(i) == null || dimensions.get(i).isEmpty()) {
        errors.add("dimensions[" + i + "]: \"\" (expected: an attribute name)");
      }
    }
    return errors;
  }

  private static void positive(List<String> errors, String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      errors.add(key + ": " + GoDuration.format(d) + " (expected: > 0)");
    }
  }
}
