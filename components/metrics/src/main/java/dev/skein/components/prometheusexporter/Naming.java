package dev.skein.components.prometheusexporter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns OTLP metric and attribute names into Prometheus names the way the Collector's Prometheus
 * translator does: {@code traces.span.metrics.calls} (a monotonic sum) becomes
 * {@code traces_span_metrics_calls_total}, {@code traces.span.metrics.duration} with unit
 * {@code ms} becomes {@code traces_span_metrics_duration_milliseconds}, and {@code service.name}
 * becomes {@code service_name}.
 */
final class Naming {
  private static final Map<String, String> UNITS = Map.ofEntries(
      Map.entry("d", "days"), Map.entry("h", "hours"), Map.entry("min", "minutes"), Map.entry("s", "seconds"),
      Map.entry("ms", "milliseconds"), Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"),
      Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
      Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"),
      Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
      Map.entry("m", "meters"), Map.entry("V", "volts"), Map.entry("A", "amperes"), Map.entry("J", "joules"),
      Map.entry("W", "watts"), Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"),
      Map.entry("1", ""), Map.entry("%", "percent"));
  private static final Map<String, String> PER_UNITS = Map.of(
      "s", "second", "m", "minute", "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

  private Naming() {}

  /** The kinds of OTLP metric that decide the name's suffix. */
  enum Kind { COUNTER, GAUGE, OTHER }

  /**
   * Returns the Prometheus name of a metric.
   *
   * @param namespace the exporter's namespace, prepended with an underscore when not empty
   * @param suffixes whether to add the unit and {@code _total} suffixes ({@code add_metric_suffixes})
   */
  static String metricName(String name, String unit, Kind kind, String namespace, boolean suffixes) {
    String ns = cleanUp(namespace);
    if (!suffixes) {
      String n = name.replaceAll("[^a-zA-Z0-9:_]", "_");
      if (!ns.isEmpty()) {
        return ns + "_" + n;
      }
      return startsWithDigit(n) ? "_" + n : n;
    }
    List<String> tokens = tokens(name);
    String[] units = unit.split("/", 2);
    String main = units[0].trim();
    if (!main.isEmpty() && !main.contains("{") && !main.contains("}")) {
      String prom = cleanUp(UNITS.getOrDefault(main, main));
      if (!prom.isEmpty() && !tokens.contains(prom)) {
        tokens.add(prom);
      }
    }
    if (units.length > 1) {
      String per = units[1].trim();
      if (!per.isEmpty() && !per.contains("{") && !per.contains("}")) {
        String prom = cleanUp(PER_UNITS.getOrDefault(per, per));
        if (!prom.isEmpty() && !tokens.contains(prom)) {
          tokens.add("per");
          tokens.add(prom);
        }
      }
    }
    if (kind == Kind.COUNTER) {
      tokens.removeIf("total"::equals);
      tokens.add("total");
    }
    if (kind == Kind.GAUGE && unit.equals("1")) {
      tokens.removeIf("ratio"::equals);
      tokens.add("ratio");
    }
    if (!ns.isEmpty()) {
      tokens.add(0, ns);
    }
    String n = String.join("_", tokens);
    return startsWithDigit(n) ? "_" + n : n;
  }

  /** Returns the Prometheus label name for an attribute key, e.g. {@code service.name} to {@code service_name}. */
  static String labelName(String key) {
    if (key.isEmpty()) {
      return key;
    }
    String l = key.replaceAll("[^a-zA-Z0-9_]", "_");
    if (Character.isDigit(l.charAt(0))) {
      return "key_" + l;
    }
    if (l.startsWith("_") && !l.startsWith("__")) {
      return "key" + l;
    }
    return l;
  }

  /** Whether {@code name} is a valid Prometheus label name that is not reserved. */
  static boolean isValidLabelName(String name) {
    return name.matches("[a-zA-Z_][a-zA-Z0-9_]*") && !name.startsWith("__");
  }

  private static List<String> tokens(String s) {
    List<String> out = new ArrayList<>();
    for (String t : s.split("[^a-zA-Z0-9:]+")) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  private static String cleanUp(String s) {
    return String.join("_", tokens(s.replace(':', '_')));
  }

  private static boolean startsWithDigit(String s) {
    return !s.isEmpty() && Character.isDigit(s.charAt(0));
  }
}
