package dev.skein.pipeline;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Skein's own metrics, in the Collector's names (e.g. {@code otelcol_receiver_accepted_spans}),
 * each keyed by metric name and one component label. Counters only go up; gauges are read when
 * the metrics are exported. Thread-safe.
 */
public final class Telemetry {
  private final ConcurrentMap<Key, LongAdder> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<Key, LongSupplier> gauges = new ConcurrentHashMap<>();

  /** A series' identity: metric name, label name and label value. */
  public record Key(String metric, String label, String value) {}

  private static final Comparator<Key> ORDER =
      Comparator.comparing(Key::metric).thenComparing(Key::label).thenComparing(Key::value);

  /** Adds {@code delta} to the counter {@code metric{label="value"}}. */
  public void add(String metric, String label, String value, long delta) {
    counters.computeIfAbsent(new Key(metric, label, value), k -> new LongAdder()).add(delta);
  }

  /** Registers (or replaces) the gauge {@code metric{label="value"}}, read with {@code reading}. */
  public void gauge(String metric, String label, String value, LongSupplier reading) {
    gauges.put(new Key(metric, label, value), reading);
  }

  /** Removes a gauge, e.g. when its component shuts down. */
  public void removeGauge(String metric, String label, String value) {
    gauges.remove(new Key(metric, label, value));
  }

  /** Returns the current value of every counter, sorted. */
  public Map<Key, Long> counters() {
    Map<Key, Long> out = new TreeMap<>(ORDER);
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Returns the current reading of every gauge, sorted. */
  public Map<Key, Long> gauges() {
    Map<Key, Long> out = new TreeMap<>(ORDER);
    gauges.forEach((k, v) -> out.put(k, v.getAsLong()));
    return out;
  }

  /**
   * Writes every series in the Prometheus text exposition format (version 0.0.4). Counters get
   * the {@code _total} suffix, as the Collector's Prometheus endpoint writes them.
   */
  public String toPrometheusText() {
    StringBuilder b = new StringBuilder();
    write(b, counters(), "counter", "_total");
    write(b, gauges(), "gauge", "");
    return b.toString();
  }

  private static void write(StringBuilder b, Map<Key, Long> series, String type, String suffix) {
    String current = null;
    for (Map.Entry<Key, Long> e : series.entrySet()) {
      String name = e.getKey().metric() + suffix;
      if (!name.equals(current)) {
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        current = name;
      }
      b.append(name).append('{').append(e.getKey().label()).append("=\"")
          .append(escape(e.getKey().value())).append("\"} ").append(e.getValue()).append('\n');
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
