package dev.skein.components.spanmetrics;

import static dev.skein.components.metrics.internal.AttributeValues.asString;
import static dev.skein.components.metrics.internal.AttributeValues.find;

import com.google.protobuf.ByteString;
import dev.skein.components.metrics.internal.Buckets;
import dev.skein.model.Metrics;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The state of the {@code spanmetrics} connector: one table of series per metric and resource
 * group, each bounded by {@code aggregation_cardinality_limit}, with the excess folded into one
 * series labelled {@code otel.metric.overflow=true}. Thread-safe; every method takes one lock.
 */
final class SpanMetricsAggregator {
  static final String OVERFLOW_ATTRIBUTE = "otel.metric.overflow";
  static final String SCOPE_NAME = "spanmetricsconnector";
  /** Equal to no span's series key, each of which has at least the tenant's place. */
  private static final SeriesKey OVERFLOW_KEY = new SeriesKey(new String[0]);
  private static final List<KeyValue> OVERFLOW_ATTRIBUTES = List.of(KeyValue.newBuilder()
      .setKey(OVERFLOW_ATTRIBUTE).setValue(AnyValue.newBuilder().setBoolValue(true)).build());

  private final SpanMetricsConfig config;
  private final LongSupplier clock;
  private final double[] bounds;
  private final long unitNanos;
  private final List<String> defaultDimensions;
  private final List<Dim> dimensions;
  private final List<Dim> callsDimensions;
  private final List<Dim> histogramDimensions;
  private final List<Dim> eventDimensions;
  private final boolean histogramKeyIsCallsKey;
  private final Map<String, Group> groups;
  private final Object lock = new Object();
  private long lastCollect;

  /** A configured dimension: an attribute name and the value used when no attribute has it. */
  private record Dim(String name, @Nullable AnyValue fallback) {}

  SpanMetricsAggregator(SpanMetricsConfig config, LongSupplier epochNanos) {
    this.config = config;
    this.clock = epochNanos;
    this.bounds = config.bounds();
    this.unitNanos = config.unitNanos();
    this.defaultDimensions = config.defaultDimensions();
    this.dimensions = dims(config.dimensions);
    this.callsDimensions = dims(config.callsDimensions);
    this.histogramDimensions = dims(config.histogram.dimensions);
    this.eventDimensions = dims(config.events.dimensions);
    this.histogramKeyIsCallsKey = histogramDimensions.equals(callsDimensions);
    int maxGroups = config.resourceMetricsCacheSize;
    this.groups = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Group> eldest) {
        return size() > maxGroups;
      }
    };
  }

  private static List<Dim> dims(List<SpanMetricsConfig.Dimension> configured) {
    List<Dim> out = new ArrayList<>(configured.size());
    for (SpanMetricsConfig.Dimension d : configured) {
      out.add(new Dim(d.name, d.defaultValue == null ? null : AnyValue.newBuilder().setStringValue(d.defaultValue).build()));
    }
    return out;
  }

  /** The label that names the tenant of a series, with multitenancy. */
  static final String TENANT_LABEL = "tenant";

  /** Adds every span of {@code traces} whose resource names its service. */
  void record(Traces traces) {
    long now = clock.getAsLong();
    synchronized (lock) {
      for (ResourceSpans rs : traces.resourceSpans()) {
        List<KeyValue> resourceAttributes = rs.getResource().getAttributesList();
        AnyValue service = find(resourceAttributes, "service.name");
        if (service == null) {
          continue;
        }
        String serviceName = asString(service);
        Group g = group(rs.getResource(), now);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            record(g, traces.tenant(), serviceName, resourceAttributes, span, now);
          }
        }
      }
    }
  }

  private void record(Group g, String tenant, String serviceName, List<KeyValue> resourceAttributes, Span span,
      long now) {
    long nanos = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
    double duration = Long.compareUnsigned(span.getEndTimeUnixNano(), span.getStartTimeUnixNano()) > 0
        ? nanos / (double) unitNanos : 0;
    Labels labels = new Labels(tenant, serviceName, span, resourceAttributes);
    SeriesKey callsKey = labels.key(List.of(), callsDimensions);
    SumSeries s = g.calls.getOrCreate(labels, callsKey, List.of(), callsDimensions, now, this::newSum);
    s.count++;
    if (config.exemplars.enabled) {
      s.exemplars.add(0, exemplar(span, duration));
    }
    if (!config.histogram.disable) {
      SeriesKey key = histogramKeyIsCallsKey ? callsKey : labels.key(List.of(), histogramDimensions);
      HistogramSeries h = g.durations.getOrCreate(labels, key, List.of(), histogramDimensions, now, this::newHistogram);
      int index = Buckets.index(bounds, duration);
      h.counts[index]++;
      h.count++;
      h.sum += duration;
      if (config.exemplars.enabled) {
        h.exemplars.add(index, exemplar(span, duration));
      }
    }
    if (config.events.enabled) {
      for (Span.Event event : span.getEventsList()) {
        SumSeries e = g.events.getOrCreate(labels, labels.key(event.getAttributesList(), eventDimensions),
            event.getAttributesList(), eventDimensions, now, this::newSum);
        e.count++;
        if (config.exemplars.enabled) {
          e.exemplars.add(0, exemplar(span, duration));
        }
      }
    }
  }

  private static String defaultValue(String dimension, String serviceName, Span span) {
    switch (dimension) {
      case "service.name":
        return serviceName;
      case "span.name":
        return span.getName();
      case "span.kind":
        return span.getKind() == Span.SpanKind.UNRECOGNIZED ? "" : span.getKind().name();
      default:
        return span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.UNRECOGNIZED
            ? "" : span.getStatus().getCode().name();
    }
  }

  /** Span attributes first (the most specific), then event attributes, then the resource, then the default. */
  private static @Nullable AnyValue lookup(Dim d, List<KeyValue> span, List<KeyValue> event, List<KeyValue> resource) {
    AnyValue v = find(span, d.name());
    if (v == null) {
      v = find(event, d.name());
    }
    if (v == null) {
      v = find(resource, d.name());
    }
    return v == null ? d.fallback() : v;
  }

  private static ExemplarValue exemplar(Span span, double value) {
    return new ExemplarValue(span.getTraceId(), span.getSpanId(), value);
  }

  private SumSeries newSum(List<KeyValue> attributes, long now) {
    return new SumSeries(attributes, now, exemplars(1));
  }

  private HistogramSeries newHistogram(List<KeyValue> attributes, long now) {
    return new HistogramSeries(attributes, now, bounds.length + 1, exemplars(bounds.length + 1));
  }

  private @Nullable ExemplarReservoir exemplars(int slots) {
    return config.exemplars.enabled ? new ExemplarReservoir(config.exemplars.maxPerDataPoint, slots) : null;
  }

  private Group group(Resource resource, long now) {
    String key = "";
    if (config.addResourceAttributes) {
      TreeMap<String, String> sorted = new TreeMap<>();
      for (KeyValue kv : resource.getAttributesList()) {
        if (config.resourceMetricsKeyAttributes.isEmpty() || config.resourceMetricsKeyAttributes.contains(kv.getKey())) {
          sorted.put(kv.getKey(), asString(kv.getValue()));
        }
      }
      StringBuilder b = new StringBuilder();
      sorted.forEach((k, v) -> b.append(k).append('\u0000').append(v).append('\u0001'));
      key = b.toString();
    }
    Group g = groups.get(key);
    if (g == null) {
      g = new Group(config.addResourceAttributes ? resource : Resource.getDefaultInstance(),
          config.aggregationCardinalityLimit);
      groups.put(key, g);
    }
    g.lastSeen = now;
    return g;
  }

  /** Returns every live series as OTLP metrics, then forgets deltas, exemplars and expired series. */
  Metrics collect() {
    long now = clock.getAsLong();
    synchronized (lock) {
      expire(now);
      List<ResourceMetrics> out = new ArrayList<>(groups.size());
      AggregationTemporality temporality = config.delta()
          ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
      for (Group g : groups.values()) {
        ScopeMetrics.Builder sm = ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME));
        addSum(sm, name("calls"), g.calls, temporality, now);
        if (!config.histogram.disable && !g.durations.series.isEmpty()) {
          Histogram.Builder hb = Histogram.newBuilder().setAggregationTemporality(temporality);
          for (HistogramSeries h : g.durations.series.values()) {
            HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder()
                .addAllAttributes(h.attributes).setStartTimeUnixNano(start(h)).setTimeUnixNano(now)
                .setCount(h.count).setSum(h.sum);
            for (double b : bounds) {
              p.addExplicitBounds(b);
            }
            for (long c : h.counts) {
              p.addBucketCounts(c);
            }
            addExemplars(p::addExemplars, h.exemplars, now);
            hb.addDataPoints(p);
          }
          sm.addMetrics(Metric.newBuilder().setName(name("duration")).setUnit(config.histogram.unit).setHistogram(hb));
        }
        if (config.events.enabled) {
          addSum(sm, name("events"), g.events, temporality, now);
        }
        if (sm.getMetricsCount() > 0) {
          out.add(ResourceMetrics.newBuilder().setResource(g.resource).addScopeMetrics(sm).build());
        }
      }
      if (config.delta()) {
        groups.clear();
      } else {
        for (Group g : groups.values()) {
          g.calls.series.values().forEach(s -> clear(s.exemplars));
          g.durations.series.values().forEach(s -> clear(s.exemplars));
          g.events.series.values().forEach(s -> clear(s.exemplars));
        }
      }
      lastCollect = now;
      return Metrics.of(out);
    }
  }

  private void addSum(ScopeMetrics.Builder sm, String name, Table<SumSeries> table, AggregationTemporality t, long now) {
    if (table.series.isEmpty()) {
      return;
    }
    Sum.Builder sb = Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(t);
    for (SumSeries s : table.series.values()) {
      NumberDataPoint.Builder p = NumberDataPoint.newBuilder().addAllAttributes(s.attributes)
          .setStartTimeUnixNano(start(s)).setTimeUnixNano(now).setAsInt(s.count);
      addExemplars(p::addExemplars, s.exemplars, now);
      sb.addDataPoints(p);
    }
    sm.addMetrics(Metric.newBuilder().setName(name).setSum(sb));
  }

  private long start(Series s) {
    return config.delta() && lastCollect != 0 ? lastCollect : s.start;
  }

  private static void addExemplars(java.util.function.Consumer<Exemplar> sink, @Nullable ExemplarReservoir r, long now) {
    if (r == null) {
      return;
    }
    for (ExemplarValue e : r.values()) {
      sink.accept(Exemplar.newBuilder().setTimeUnixNano(now).setAsDouble(e.value())
          .setTraceId(e.traceId()).setSpanId(e.spanId()).build());
    }
  }

  private static void clear(@Nullable ExemplarReservoir r) {
    if (r != null) {
      r.clear();
    }
  }

  private void expire(long now) {
    long groupTtl = config.metricsExpiration.toNanos();
    long seriesTtl = config.seriesExpiration.toNanos();
    for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
      Group g = it.next();
      if (groupTtl > 0 && now - g.lastSeen >= groupTtl) {
        it.remove();
      } else if (seriesTtl > 0) {
        g.calls.expire(now, seriesTtl);
        g.durations.expire(now, seriesTtl);
        g.events.expire(now, seriesTtl);
      }
    }
  }

  private String name(String metric) {
    return config.namespace.isEmpty() ? metric : config.namespace + "." + metric;
  }

  /** The number of series held for the metric named {@code calls}, {@code duration} or {@code events}; for tests and telemetry. */
  int seriesCount(String metric) {
    synchronized (lock) {
      int n = 0;
      for (Group g : groups.values()) {
        n += (metric.equals("calls") ? g.calls : metric.equals("events") ? g.events : g.durations).series.size();
      }
      return n;
    }
  }

  /**
   * The labels of one span's series, in a fixed order: the tenant, the default dimensions, the
   * configured dimensions, then those of the metric itself. A series is found by its {@link #key};
   * the labels themselves are built only when a series is new.
   */
  private final class Labels {
    final String tenant;
    final String serviceName;
    final Span span;
    final List<KeyValue> resource;

    Labels(String tenant, String serviceName, Span span, List<KeyValue> resource) {
      this.tenant = tenant;
      this.serviceName = serviceName;
      this.span = span;
      this.resource = resource;
    }

    /** What identifies the series among those of its metric: each label's value as text, in order. */
    SeriesKey key(List<KeyValue> event, List<Dim> extra) {
      String[] values = new String[1 + defaultDimensions.size() + dimensions.size() + extra.size()];
      int i = 0;
      values[i++] = tenant;
      for (String d : defaultDimensions) {
        values[i++] = defaultValue(d, serviceName, span);
      }
      for (Dim d : dimensions) {
        values[i++] = text(lookup(d, span.getAttributesList(), List.of(), resource));
      }
      for (Dim d : extra) {
        values[i++] = text(lookup(d, span.getAttributesList(), event, resource));
      }
      return new SeriesKey(values);
    }

    /** The labels themselves, in the order of {@link #key}. */
    List<KeyValue> attributes(List<KeyValue> event, List<Dim> extra) {
      List<KeyValue> out = new ArrayList<>();
      if (!tenant.isEmpty()) {
        // With multitenancy every series names its tenant, so tenants' series never merge.
        addLabel(out, TENANT_LABEL, AnyValue.newBuilder().setStringValue(tenant).build());
      }
      for (String d : defaultDimensions) {
        addLabel(out, d, AnyValue.newBuilder().setStringValue(defaultValue(d, serviceName, span)).build());
      }
      for (Dim d : dimensions) {
        addLabel(out, d.name(), lookup(d, span.getAttributesList(), List.of(), resource));
      }
      for (Dim d : extra) {
        addLabel(out, d.name(), lookup(d, span.getAttributesList(), event, resource));
      }
      return List.copyOf(out);
    }
  }

  private static @Nullable String text(@Nullable AnyValue value) {
    return value == null ? null : asString(value);
  }

  /**
   * The label values of a series, absent ones null; the label names follow from the position. Cheaper
   * to build and to hash than their text joined, as most values are strings whose hash is already known.
   */
  private static final class SeriesKey {
    final String[] values;
    final int hash;

    SeriesKey(String[] values) {
      this.values = values;
      this.hash = Arrays.hashCode(values);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SeriesKey k && hash == k.hash && Arrays.equals(values, k.values);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Adds the label {@code name} unless its value is absent. */
  private static void addLabel(List<KeyValue> out, String name, @Nullable AnyValue value) {
    if (value != null) {
      out.add(KeyValue.newBuilder().setKey(name).setValue(value).build());
    }
  }

  private interface SeriesFactory<S extends Series> {
    S create(List<KeyValue> attributes, long now);
  }

  /** The series of one metric in one resource group. */
  private static final class Table<S extends Series> {
    final Map<SeriesKey, S> series = new LinkedHashMap<>();
    final int limit;

    Table(int limit) {
      this.limit = limit;
    }

    S getOrCreate(Labels labels, SeriesKey k, List<KeyValue> event, List<Dim> extra, long now,
        SeriesFactory<S> factory) {
      S s = series.get(k);
      if (s == null) {
        if (limit > 0 && series.size() >= limit) {
          s = series.get(OVERFLOW_KEY);
          if (s == null) {
            s = factory.create(OVERFLOW_ATTRIBUTES, now);
            series.put(OVERFLOW_KEY, s);
          }
        } else {
          s = factory.create(labels.attributes(event, extra), now);
          series.put(k, s);
        }
      }
      s.lastSeen = now;
      return s;
    }

    void expire(long now, long ttl) {
      series.values().removeIf(s -> now - s.lastSeen >= ttl);
    }
  }

  private static final class Group {
    final Resource resource;
    final Table<SumSeries> calls;
    final Table<HistogramSeries> durations;
    final Table<SumSeries> events;
    long lastSeen;

    Group(Resource resource, int limit) {
      this.resource = resource;
      this.calls = new Table<>(limit);
      this.durations = new Table<>(limit);
      this.events = new Table<>(limit);
    }
  }

  private abstract static class Series {
    final List<KeyValue> attributes;
    final long start;
    final @Nullable ExemplarReservoir exemplars;
    long lastSeen;

    Series(List<KeyValue> attributes, long start, @Nullable ExemplarReservoir exemplars) {
      this.attributes = attributes;
      this.start = start;
      this.exemplars = exemplars;
    }
  }

  private static final class SumSeries extends Series {
    long count;

    SumSeries(List<KeyValue> attributes, long start, @Nullable ExemplarReservoir exemplars) {
      super(attributes, start, exemplars);
    }
  }

  private static final class HistogramSeries extends Series {
    final long[] counts;
    long count;
    double sum;

    HistogramSeries(List<KeyValue> attributes, long start, int buckets, @Nullable ExemplarReservoir exemplars) {
      super(attributes, start, exemplars);
      this.counts = new long[buckets];
    }
  }

  record ExemplarValue(ByteString traceId, ByteString spanId, double value) {}

  /**
   * The exemplars of one data point until the next flush. With {@code max_per_data_point} it keeps
   * the first that many, as the Collector does; without it, the latest one per bucket, which is all
   * a Prometheus exposition can show and keeps memory bounded.
   */
  static final class ExemplarReservoir {
    private final @Nullable Integer max;
    private final ExemplarValue[] latest;
    private final List<ExemplarValue> first = new ArrayList<>();

    ExemplarReservoir(@Nullable Integer max, int slots) {
      this.max = max;
      this.latest = max == null ? new ExemplarValue[slots] : new ExemplarValue[0];
    }

    void add(int slot, ExemplarValue e) {
      if (e.traceId().isEmpty()) {
        return;
      }
      if (max == null) {
        latest[slot] = e;
      } else if (first.size() < max) {
        first.add(e);
      }
    }

    List<ExemplarValue> values() {
      if (max != null) {
        return first;
      }
      List<ExemplarValue> out = new ArrayList<>();
      for (ExemplarValue e : latest) {
        if (e != null) {
          out.add(e);
        }
      }
      return out;
    }

    void clear() {
      first.clear();
      java.util.Arrays.fill(latest, null);
    }
  }
}
