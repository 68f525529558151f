package dev.skein.pipeline;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Skein's own counters, in the Collector's names (e.g. {@code otelcol_receiver_accepted_spans}),
 * keyed by metric name and one component label. Thread-safe.
 */
public final class Telemetry {
  private final ConcurrentMap<Key, LongAdder> counters = new ConcurrentHashMap<>();

  /** A counter's identity: metric name, label name and label value. */
  public record Key(String metric, String label, String value) {}

  /** Adds {@code delta} to the counter {@code metric{label="value"}}. */
  public void add(String metric, String label, String value, long delta) {
    counters.computeIfAbsent(new Key(metric, label, value), k -> new LongAdder()).add(delta);
  }

  /** Returns a snapshot of every counter. */
  public java.util.Map<Key, Long> snapshot() {
    java.util.Map<Key, Long> out = new java.util.TreeMap<>(
        java.util.Comparator.comparing(Key::metric).thenComparing(Key::label).thenComparing(Key::value));
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
