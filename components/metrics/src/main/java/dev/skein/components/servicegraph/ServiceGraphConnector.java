package dev.skein.components.servicegraph;

import static dev.skein.components.metrics.internal.AttributeValues.asString;
import static dev.skein.components.metrics.internal.AttributeValues.find;

import dev.skein.components.metrics.internal.Buckets;
import dev.skein.model.Metrics;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.MetricsConsumer;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConnector;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pairs client and server spans (and producer and consumer spans) into edges between services,
 * and counts requests, failures and latencies per edge, as the Collector's {@code servicegraph}
 * connector does. A client span that names a database is an edge by itself; spans whose partner
 * never comes are, after {@code store::ttl}, either edges to a virtual node (a root server span
 * becomes a request from {@code user}; a client span a request to the service its peer attributes
 * name) or counted as unpaired.
 */
final class ServiceGraphConnector implements TracesConnector {
  private static final Logger log = LoggerFactory.getLogger(ServiceGraphConnector.class);
  static final String SCOPE_NAME = "traces_service_graph";
  /** Series not updated for this long are forgotten, as in the Collector. */
  static final long STALE_NANOS = TimeUnit.MINUTES.toNanos(15);

  private final String id;
  private final ServiceGraphConfig config;
  private final MetricsConsumer next;
  private final Telemetry telemetry;
  private final LongSupplier clock;
  private final double[] bounds;
  private final EdgeStore store;
  private final Object lock = new Object();
  private final Map<List<String>, Series> requests = new LinkedHashMap<>();
  private final Map<String, Series> unpaired = new LinkedHashMap<>();
  private final Map<String, Series> dropped = new LinkedHashMap<>();
  private final long startNanos;
  private @Nullable ScheduledExecutorService timer;
  private boolean shutDown;

  /** Counters and histograms of one edge's series. */
  private static final class Series {
    final List<KeyValue> attributes;
    long total;
    long failed;
    final long[] serverBuckets;
    final long[] clientBuckets;
    double serverSum;
    double clientSum;
    long updated;

    Series(List<KeyValue> attributes, int buckets) {
      this.attributes = attributes;
      this.serverBuckets = new long[buckets];
      this.clientBuckets = new long[buckets];
    }
  }

  ServiceGraphConnector(String id, ServiceGraphConfig config, MetricsConsumer next, Telemetry telemetry,
      LongSupplier epochNanos) {
    this.id = id;
    this.config = config;
    this.next = next;
    this.telemetry = telemetry;
    this.clock = epochNanos;
    this.bounds = config.bounds();
    this.startNanos = epochNanos.getAsLong();
    this.store = new EdgeStore(config.store.ttl.toNanos(), config.store.maxItems, this::onComplete, this::onExpire,
        epochNanos);
  }

  @Override
  public synchronized void start(Host host) {
    if (timer != null || shutDown) {
      return;
    }
    timer = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "servicegraph-" + id);
      t.setDaemon(true);
      return t;
    });
    long flush = config.metricsFlushInterval.toNanos();
    if (flush > 0) {
      timer.scheduleAtFixedRate(this::flush, flush, flush, TimeUnit.NANOSECONDS);
    }
    long expiry = config.storeExpirationLoop.toNanos();
    timer.scheduleAtFixedRate(store::expire, expiry, expiry, TimeUnit.NANOSECONDS);
    long cache = config.cacheLoop.toNanos();
    timer.scheduleAtFixedRate(this::forgetStaleSeries, cache, cache, TimeUnit.NANOSECONDS);
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    for (ResourceSpans rs : traces.resourceSpans()) {
      List<KeyValue> resource = rs.getResource().getAttributesList();
      AnyValue service = find(resource, "service.name");
      if (service == null) {
        continue;
      }
      String serviceName = asString(service);
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          consume(traces.tenant(), serviceName, resource, span);
        }
      }
    }
    if (config.metricsFlushInterval.isZero()) {
      flush();
    }
    return CompletableFuture.completedFuture(null);
  }

  private void consume(String tenant, String serviceName, List<KeyValue> resource, Span span) {
    boolean failed = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    double latency = Math.max(0, (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1e9);
    EdgeStore.Result result;
    String connectionType;
    boolean client;
    switch (span.getKind()) {
      case SPAN_KIND_PRODUCER:
      case SPAN_KIND_CLIENT:
        client = true;
        connectionType = span.getKind() == Span.SpanKind.SPAN_KIND_PRODUCER ? Edge.MESSAGING_SYSTEM : Edge.UNSET;
        result = store.upsert(new EdgeStore.Key(tenant, span.getTraceId(), span.getSpanId()), e -> {
          e.connectionType = connectionType;
          e.clientService = serviceName;
          e.clientLatencySeconds = latency;
          e.failed = e.failed || failed;
          dimensions("client", e, resource, span.getAttributesList());
          if (e.peer == null) {
            for (String attribute : config.virtualNodePeerAttributes) {
              AnyValue v = find(span.getAttributesList(), attribute);
              if (v != null) {
                e.peer = asString(v);
                break;
              }
            }
          }
          String database = firstMatch(config.databaseNameAttributes, resource, span.getAttributesList());
          if (database != null) {
            e.connectionType = Edge.DATABASE;
            e.serverService = database;
            e.serverLatencySeconds = latency;
          }
        });
        break;
      case SPAN_KIND_CONSUMER:
      case SPAN_KIND_SERVER:
        client = false;
        connectionType = span.getKind() == Span.SpanKind.SPAN_KIND_CONSUMER ? Edge.MESSAGING_SYSTEM : Edge.UNSET;
        result = store.upsert(new EdgeStore.Key(tenant, span.getTraceId(), span.getParentSpanId()), e -> {
          e.connectionType = connectionType;
          e.serverService = serviceName;
          e.serverLatencySeconds = latency;
          e.failed = e.failed || failed;
          dimensions("server", e, resource, span.getAttributesList());
        });
        break;
      default:
        return;
    }
    if (result == EdgeStore.Result.DROPPED) {
      telemetry.add("otelcol_connector_servicegraph_dropped_spans", "connector", id, 1);
      count(dropped, client ? serviceName : "", client ? "" : serviceName, connectionType);
    } else if (result == EdgeStore.Result.NEW) {
      telemetry.add("otelcol_connector_servicegraph_total_edges", "connector", id, 1);
    }
  }

  private void dimensions(String side, Edge out, List<KeyValue> resource, List<KeyValue> span) {
    for (int i = 0; i < config.dimensions.size(); i++) {
      String d = config.dimensions.get(i);
      String v = firstMatch(List.of(d), resource, span);
      if (v != null) {
        out.putDimension(side + "_" + d, v);
      }
    }
  }

  private static @Nullable String firstMatch(List<String> keys, List<KeyValue> resource, List<KeyValue> span) {
    for (String k : keys) {
      AnyValue v = find(resource, k);
      if (v == null) {
        v = find(span, k);
      }
      if (v != null) {
        return asString(v);
      }
    }
    return null;
  }

  /** The label that names the tenant of a series, with multitenancy. */
  static final String TENANT_LABEL = "tenant";

  private void onComplete(Edge e) {
    // The series' labels as name, value, name, value: the key it is found by, and made into
    // attributes only when the series is new.
    List<String> labels = new ArrayList<>(12);
    if (!e.key.tenant().isEmpty()) {
      // Tenants' graphs stay apart: the same two service names in two tenants are two edges.
      labels.add(TENANT_LABEL);
      labels.add(e.key.tenant());
    }
    labels.add("client");
    labels.add(e.clientService);
    labels.add("server");
    labels.add(e.serverService);
    labels.add("connection_type");
    labels.add(e.connectionType);
    labels.add(FAILED_LABEL);
    labels.add(e.failed ? "true" : "false");
    for (int i = 0; i < config.dimensions.size(); i++) {
      String d = config.dimensions.get(i);
      for (String side : SIDES) {
        String v = e.dimension(side + "_" + d);
        if (v != null) {
          labels.add(side + "_" + d);
          labels.add(v);
        }
      }
    }
    if (config.virtualNodeExtraLabel) {
      labels.add("virtual_node");
      labels.add(e.virtualNodeLabel);
    }
    long now = clock.getAsLong();
    synchronized (lock) {
      Series s = requests.get(labels);
      if (s == null) {
        s = new Series(attributes(labels), bounds.length + 1);
        requests.put(List.copyOf(labels), s);
      }
      s.total++;
      if (e.failed) {
        s.failed++;
      }
      s.serverBuckets[Buckets.index(bounds, e.serverLatencySeconds)]++;
      s.serverSum += e.serverLatencySeconds;
      s.clientBuckets[Buckets.index(bounds, e.clientLatencySeconds)]++;
      s.clientSum += e.clientLatencySeconds;
      s.updated = now;
    }
  }

  private static final String FAILED_LABEL = "failed";
  private static final String[] SIDES = {"client", "server"};

  /** The attributes of a series, from its labels as {@link #onComplete} lists them. */
  private static List<KeyValue> attributes(List<String> labels) {
    List<KeyValue> out = new ArrayList<>(labels.size() / 2);
    for (int i = 0; i < labels.size(); i += 2) {
      String name = labels.get(i);
      String value = labels.get(i + 1);
      out.add(name.equals(FAILED_LABEL)
          ? KeyValue.newBuilder().setKey(name).setValue(AnyValue.newBuilder().setBoolValue(value.equals("true"))).build()
          : string(name, value));
    }
    return List.copyOf(out);
  }

  private void onExpire(Edge e) {
    telemetry.add("otelcol_connector_servicegraph_expired_edges", "connector", id, 1);
    boolean paired = false;
    if (!config.virtualNodePeerAttributes.isEmpty()) {
      String connectionType = e.connectionType;
      if (e.clientService.isEmpty() && e.key.spanId().isEmpty()) {
        e.connectionType = Edge.VIRTUAL_NODE;
        e.clientService = "user";
        e.virtualNodeLabel = "client";
        onComplete(e);
        paired = true;
      } else if (e.serverService.isEmpty() && !e.clientService.isEmpty()) {
        e.connectionType = Edge.VIRTUAL_NODE;
        e.serverService = e.peer == null ? "unknown" : e.peer;
        e.virtualNodeLabel = "server";
        onComplete(e);
        paired = true;
      }
      if (!paired) {
        e.connectionType = connectionType;
      }
    }
    if (!paired) {
      count(unpaired, e.clientService, e.serverService, e.connectionType);
    }
  }

  private void count(Map<String, Series> table, String client, String server, String connectionType) {
    String key = client + '\u0000' + server + '\u0000' + connectionType;
    long now = clock.getAsLong();
    synchronized (lock) {
      Series s = table.computeIfAbsent(key, k -> new Series(List.of(string("client", client), string("server", server),
          string("connection_type", connectionType)), 0));
      s.total++;
      s.updated = now;
    }
  }

  private static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** Expires waiting edges now rather than on the next loop; for tests. */
  void expireNow() {
    store.expire();
  }

  /** Returns every series as OTLP metrics, with cumulative temporality. */
  Metrics collect() {
    long now = clock.getAsLong() - config.metricsTimestampOffset.toNanos();
    ScopeMetrics.Builder sm = ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME));
    synchronized (lock) {
      sum(sm, "traces_service_graph_request_total", requests, s -> s.total, now, false);
      sum(sm, "traces_service_graph_request_failed_total", requests, s -> s.failed, now, true);
      histogram(sm, "traces_service_graph_request_server", true, now);
      histogram(sm, "traces_service_graph_request_client", false, now);
      sum(sm, "traces_service_graph_unpaired_spans_total", unpaired, s -> s.total, now, false);
      sum(sm, "traces_service_graph_dropped_spans_total", dropped, s -> s.total, now, false);
    }
    if (sm.getMetricsCount() == 0) {
      return Metrics.of(List.of());
    }
    return Metrics.of(List.of(ResourceMetrics.newBuilder().addScopeMetrics(sm).build()));
  }

  private void sum(ScopeMetrics.Builder sm, String name, Map<?, Series> table,
      java.util.function.ToLongFunction<Series> value, long now, boolean skipZero) {
    Sum.Builder b = Sum.newBuilder().setIsMonotonic(true)
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (Series s : table.values()) {
      long v = value.applyAsLong(s);
      if (skipZero && v == 0) {
        continue;
      }
      b.addDataPoints(NumberDataPoint.newBuilder().addAllAttributes(s.attributes)
          .setStartTimeUnixNano(startNanos).setTimeUnixNano(now).setAsInt(v));
    }
    if (b.getDataPointsCount() > 0) {
      sm.addMetrics(Metric.newBuilder().setName(name).setSum(b));
    }
  }

  private void histogram(ScopeMetrics.Builder sm, String name, boolean server, long now) {
    Histogram.Builder b = Histogram.newBuilder()
        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (Series s : requests.values()) {
      HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder().addAllAttributes(s.attributes)
          .setStartTimeUnixNano(startNanos).setTimeUnixNano(now).setCount(s.total)
          .setSum(server ? s.serverSum : s.clientSum);
      for (double bound : bounds) {
        p.addExplicitBounds(bound);
      }
      for (long c : server ? s.serverBuckets : s.clientBuckets) {
        p.addBucketCounts(c);
      }
      b.addDataPoints(p);
    }
    if (b.getDataPointsCount() > 0) {
      sm.addMetrics(Metric.newBuilder().setName(name).setUnit("s").setHistogram(b));
    }
  }

  private void forgetStaleSeries() {
    long now = clock.getAsLong();
    synchronized (lock) {
      requests.values().removeIf(s -> now - s.updated > STALE_NANOS);
      unpaired.values().removeIf(s -> now - s.updated > STALE_NANOS);
      dropped.values().removeIf(s -> now - s.updated > STALE_NANOS);
    }
  }

  /** Pushes the current metrics downstream and waits for them to be handled. */
  void flush() {
    Metrics m = collect();
    if (m.dataPointCount() == 0) {
      return;
    }
    try {
      next.consume(m).get(config.metricsFlushInterval.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("connector \"{}\": the metrics pipeline refused {} data points: {}", id, m.dataPointCount(),
          PipelineException.classify(e).getMessage());
    }
  }

  /** The number of spans waiting for their partner. */
  int waiting() {
    return store.size();
  }

  @Override
  public void shutdown() {
    ScheduledExecutorService t;
    synchronized (this) {
      if (shutDown) {
        return;
      }
      shutDown = true;
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
      try {
        t.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flush();
    }
  }
}
