package dev.skein.components.prometheusexporter;

import static dev.skein.components.metrics.internal.AttributeValues.asString;
import static dev.skein.components.metrics.internal.AttributeValues.find;

import dev.skein.components.metrics.internal.AttributeValues;
import dev.skein.components.prometheusexporter.Exposition.Family;
import dev.skein.components.prometheusexporter.Exposition.Series;
import dev.skein.components.prometheusexporter.Exposition.Type;
import dev.skein.model.Metrics;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the latest value of every series, as the Collector's Prometheus exporter does: cumulative
 * points replace older ones, delta counters and histograms are added up, and a series that has
 * not been updated for {@code metric_expiration} disappears. Thread-safe.
 */
final class Accumulator {
  private static final Logger log = LoggerFactory.getLogger(Accumulator.class);
  private static final int NO_RECORDED_VALUE = 1;

  private final PrometheusExporterConfig config;
  private final LongSupplier clock;
  private final Map<String, Entry> entries = new HashMap<>();
  private final Map<String, Entry> targets = new HashMap<>();
  private final Map<String, Type> familyTypes = new HashMap<>();
  private final Set<String> warned = new HashSet<>();

  private static final class Entry {
    final String family;
    final Type type;
    final String help;
    Series series;
    long updated;

    Entry(String family, Type type, String help, Series series, long updated) {
      this.family = family;
      this.type = type;
      this.help = help;
      this.series = series;
      this.updated = updated;
    }
  }

  Accumulator(PrometheusExporterConfig config, LongSupplier epochNanos) {
    this.config = config;
    this.clock = epochNanos;
  }

  /** Lays every data point of {@code metrics} over what is held. */
  synchronized void accumulate(Metrics metrics) {
    long now = clock.getAsLong();
    for (ResourceMetrics rm : metrics.resourceMetrics()) {
      Resource resource = rm.getResource();
      recordTarget(resource, now);
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          accumulate(m, resource, now);
        }
      }
    }
  }

  private void accumulate(Metric m, Resource resource, long now) {
    switch (m.getDataCase()) {
      case GAUGE:
        for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
          number(m, Naming.Kind.GAUGE, Type.GAUGE, false, p, resource, now);
        }
        break;
      case SUM:
        boolean monotonic = m.getSum().getIsMonotonic();
        boolean delta = m.getSum().getAggregationTemporality() == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
        if (delta && !monotonic) {
          warnOnce(m.getName(), "metric \"{}\" is a non-monotonic delta sum, which Prometheus cannot represent; dropped");
          break;
        }
        for (NumberDataPoint p : m.getSum().getDataPointsList()) {
          number(m, monotonic ? Naming.Kind.COUNTER : Naming.Kind.GAUGE, monotonic ? Type.COUNTER : Type.GAUGE,
              delta, p, resource, now);
        }
        break;
      case HISTOGRAM:
        boolean deltaHistogram = m.getHistogram().getAggregationTemporality()
            == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
        for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
          histogram(m, deltaHistogram, p, resource, now);
        }
        break;
      case SUMMARY:
        for (SummaryDataPoint p : m.getSummary().getDataPointsList()) {
          summary(m, p, resource, now);
        }
        break;
      default:
        warnOnce(m.getName(), "metric \"{}\" is an exponential histogram, which the Prometheus text formats"
            + " cannot represent; dropped");
    }
  }

  private void number(Metric m, Naming.Kind kind, Type type, boolean delta, NumberDataPoint p, Resource resource, long now) {
    if ((p.getFlags() & NO_RECORDED_VALUE) != 0) {
      return;
    }
    double value = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
    Entry e = entry(m, kind, type, p.getAttributesList(), resource, now);
    if (e == null) {
      return;
    }
    Series s = e.series;
    if (delta) {
      s.value += value;
      s.timeNanos = Math.max(s.timeNanos, p.getTimeUnixNano());
    } else if (p.getTimeUnixNano() >= s.timeNanos) {
      s.value = value;
      s.timeNanos = p.getTimeUnixNano();
    } else {
      return;
    }
    if (type == Type.COUNTER && p.getExemplarsCount() > 0) {
      s.exemplars = exemplars(p.getExemplarsList());
    }
    e.updated = now;
  }

  private void histogram(Metric m, boolean delta, HistogramDataPoint p, Resource resource, long now) {
    if ((p.getFlags() & NO_RECORDED_VALUE) != 0) {
      return;
    }
    Entry e = entry(m, Naming.Kind.OTHER, Type.HISTOGRAM, p.getAttributesList(), resource, now);
    if (e == null) {
      return;
    }
    Series s = e.series;
    double[] bounds = p.getExplicitBoundsList().stream().mapToDouble(Double::doubleValue).toArray();
    long[] counts = p.getBucketCountsList().stream().mapToLong(Long::longValue).toArray();
    if (delta && s.count > 0 && Arrays.equals(s.bounds, bounds) && s.bucketCounts.length == counts.length) {
      for (int i = 0; i < counts.length; i++) {
        s.bucketCounts[i] += counts[i];
      }
      s.count += p.getCount();
      s.sum += p.getSum();
      s.timeNanos = Math.max(s.timeNanos, p.getTimeUnixNano());
    } else if (delta || p.getTimeUnixNano() >= s.timeNanos) {
      s.bounds = bounds;
      s.bucketCounts = counts;
      s.count = p.getCount();
      s.sum = p.getSum();
      s.timeNanos = p.getTimeUnixNano();
    } else {
      return;
    }
    if (p.getExemplarsCount() > 0) {
      s.exemplars = exemplars(p.getExemplarsList());
    }
    e.updated = now;
  }

  private void summary(Metric m, SummaryDataPoint p, Resource resource, long now) {
    Entry e = entry(m, Naming.Kind.OTHER, Type.SUMMARY, p.getAttributesList(), resource, now);
    if (e == null || p.getTimeUnixNano() < e.series.timeNanos) {
      return;
    }
    Series s = e.series;
    s.count = p.getCount();
    s.sum = p.getSum();
    s.quantiles = p.getQuantileValuesList().stream().mapToDouble(q -> q.getQuantile()).toArray();
    s.quantileValues = p.getQuantileValuesList().stream().mapToDouble(q -> q.getValue()).toArray();
    s.timeNanos = p.getTimeUnixNano();
    e.updated = now;
  }

  private @Nullable Entry entry(Metric m, Naming.Kind kind, Type type, List<KeyValue> attributes, Resource resource, long now) {
    String family = Naming.metricName(m.getName(), m.getUnit(), kind, config.namespace, config.suffixes());
    TreeMap<String, String> labels = labels(attributes, resource);
    String key = family + '\u0000' + labels;
    Entry e = entries.get(key);
    if (e != null) {
      return e;
    }
    Type existing = familyTypes.putIfAbsent(family, type);
    if (existing != null && existing != type) {
      warnOnce(family, "metric \"{}\" arrived as a " + type.word + " but is already a " + existing.word + "; dropped");
      return null;
    }
    e = new Entry(family, type, m.getDescription(), new Series(labels), now);
    entries.put(key, e);
    return e;
  }

  /**
   * The data point's attributes as labels, then the resource's when
   * {@code resource_to_telemetry_conversion} is on, then {@code job} and {@code instance} from the
   * resource's service, then {@code const_labels}. Attributes whose names clash once sanitized are
   * joined with {@code ;}.
   */
  private TreeMap<String, String> labels(List<KeyValue> attributes, Resource resource) {
    TreeMap<String, String> out = new TreeMap<>();
    List<KeyValue> sorted = new ArrayList<>(attributes);
    sorted.sort(Comparator.comparing(KeyValue::getKey));
    for (KeyValue kv : sorted) {
      out.merge(Naming.labelName(kv.getKey()), asString(kv.getValue()), (a, b) -> a + ";" + b);
    }
    if (config.resourceToTelemetryConversion.enabled) {
      for (KeyValue kv : resource.getAttributesList()) {
        out.putIfAbsent(Naming.labelName(kv.getKey()), asString(kv.getValue()));
      }
    }
    String job = job(resource);
    if (job != null) {
      out.putIfAbsent("job", job);
    }
    AnyValue instance = find(resource.getAttributesList(), "service.instance.id");
    if (instance != null) {
      out.putIfAbsent("instance", asString(instance));
    }
    config.constLabels.forEach(out::putIfAbsent);
    return out;
  }

  private static @Nullable String job(Resource resource) {
    AnyValue name = find(resource.getAttributesList(), "service.name");
    if (name == null) {
      return null;
    }
    AnyValue ns = find(resource.getAttributesList(), "service.namespace");
    return ns == null ? asString(name) : asString(ns) + "/" + asString(name);
  }

  /** Remembers the resource for {@code target_info}, the Collector's one series per job and instance. */
  private void recordTarget(Resource resource, long now) {
    String job = job(resource);
    AnyValue instance = find(resource.getAttributesList(), "service.instance.id");
    if (job == null && instance == null) {
      return;
    }
    TreeMap<String, String> labels = new TreeMap<>();
    for (KeyValue kv : resource.getAttributesList()) {
      String k = kv.getKey();
      if (!k.equals("service.name") && !k.equals("service.namespace") && !k.equals("service.instance.id")) {
        labels.merge(Naming.labelName(k), asString(kv.getValue()), (a, b) -> a + ";" + b);
      }
    }
    if (job != null) {
      labels.put("job", job);
    }
    if (instance != null) {
      labels.put("instance", asString(instance));
    }
    String family = config.namespace.isEmpty() ? "target_info"
        : Naming.metricName("target_info", "", Naming.Kind.OTHER, config.namespace, false);
    Series s = new Series(labels);
    s.value = 1;
    s.timeNanos = now;
    targets.put(labels.toString(), new Entry(family, Type.GAUGE, "Target metadata", s, now));
  }

  /** Returns every family, sorted by name, with its series sorted by labels; expired series are dropped first. */
  synchronized List<Family> families() {
    long now = clock.getAsLong();
    long ttl = config.metricExpiration.toNanos();
    entries.values().removeIf(e -> now - e.updated > ttl);
    targets.values().removeIf(e -> now - e.updated > ttl);
    familyTypes.clear();
    entries.values().forEach(e -> familyTypes.put(e.family, e.type));
    TreeMap<String, List<Entry>> byFamily = new TreeMap<>();
    for (Entry e : entries.values()) {
      byFamily.computeIfAbsent(e.family, k -> new ArrayList<>()).add(e);
    }
    for (Entry e : targets.values()) {
      byFamily.computeIfAbsent(e.family, k -> new ArrayList<>()).add(e);
    }
    List<Family> out = new ArrayList<>(byFamily.size());
    byFamily.forEach((name, list) -> {
      list.sort(Comparator.comparing(e -> e.series.labels.toString()));
      List<Series> series = new ArrayList<>(list.size());
      for (Entry e : list) {
        series.add(copy(e.series));
      }
      Entry first = list.get(0);
      out.add(new Family(name, first.type, first.help, series));
    });
    return out;
  }

  private static Series copy(Series s) {
    Series c = new Series(s.labels);
    c.value = s.value;
    c.bounds = s.bounds;
    c.bucketCounts = s.bucketCounts.clone();
    c.count = s.count;
    c.sum = s.sum;
    c.quantiles = s.quantiles;
    c.quantileValues = s.quantileValues;
    c.timeNanos = s.timeNanos;
    c.exemplars = s.exemplars;
    return c;
  }

  private static List<Exposition.Exemplar> exemplars(List<io.opentelemetry.proto.metrics.v1.Exemplar> in) {
    List<Exposition.Exemplar> out = new ArrayList<>(in.size());
    for (io.opentelemetry.proto.metrics.v1.Exemplar e : in) {
      double v = e.getValueCase() == io.opentelemetry.proto.metrics.v1.Exemplar.ValueCase.AS_INT
          ? e.getAsInt() : e.getAsDouble();
      out.add(new Exposition.Exemplar(e.getTraceId().isEmpty() ? "" : AttributeValues.hex(e.getTraceId()),
          e.getSpanId().isEmpty() ? "" : AttributeValues.hex(e.getSpanId()), v, e.getTimeUnixNano()));
    }
    return List.copyOf(out);
  }

  private void warnOnce(String name, String message) {
    if (warned.add(name + message)) {
      log.warn(message, name);
    }
  }
}
