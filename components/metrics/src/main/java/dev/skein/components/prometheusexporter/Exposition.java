package dev.skein.components.prometheusexporter;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Writes metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0. Exemplars
 * are written only in OpenMetrics, the one format that has them.
 */
final class Exposition {
  static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private Exposition() {}

  enum Type {
    COUNTER("counter"), GAUGE("gauge"), HISTOGRAM("histogram"), SUMMARY("summary");

    final String word;

    Type(String word) {
      this.word = word;
    }
  }

  /** An exemplar: the trace and span that produced a value. */
  record Exemplar(String traceId, String spanId, double value, long timeNanos) {}

  /**
   * One series. Counters and gauges use {@link #value}; histograms use the bucket fields, with
   * per-bucket (not cumulative) counts; summaries use the quantile fields.
   */
  static final class Series {
    final SortedMap<String, String> labels;
    double value;
    double[] bounds = new double[0];
    long[] bucketCounts = new long[0];
    long count;
    double sum;
    double[] quantiles = new double[0];
    double[] quantileValues = new double[0];
    long timeNanos;
    List<Exemplar> exemplars = List.of();

    Series(SortedMap<String, String> labels) {
      this.labels = labels;
    }
  }

  /** The series of one metric name, of one type. */
  record Family(String name, Type type, String help, Collection<Series> series) {}

  static String write(Collection<Family> families, boolean openMetrics, boolean timestamps) {
    StringBuilder b = new StringBuilder();
    for (Family f : families) {
      String familyName = f.name();
      if (openMetrics && f.type() == Type.COUNTER && familyName.endsWith("_total")) {
        familyName = familyName.substring(0, familyName.length() - "_total".length());
      }
      if (!f.help().isEmpty()) {
        b.append("# HELP ").append(familyName).append(' ').append(escapeHelp(f.help(), openMetrics)).append('\n');
      }
      b.append("# TYPE ").append(familyName).append(' ').append(f.type().word).append('\n');
      for (Series s : f.series()) {
        switch (f.type()) {
          case COUNTER:
            String sample = openMetrics ? familyName + "_total" : f.name();
            line(b, sample, s.labels, null, null, number(s.value, openMetrics), s, openMetrics, timestamps,
                openMetrics && !s.exemplars.isEmpty() ? s.exemplars.get(s.exemplars.size() - 1) : null);
            break;
          case GAUGE:
            line(b, f.name(), s.labels, null, null, number(s.value, openMetrics), s, openMetrics, timestamps, null);
            break;
          case HISTOGRAM:
            long cumulative = 0;
            for (int i = 0; i <= s.bounds.length; i++) {
              cumulative += i < s.bucketCounts.length ? s.bucketCounts[i] : 0;
              double upper = i < s.bounds.length ? s.bounds[i] : Double.POSITIVE_INFINITY;
              long value = i < s.bounds.length ? cumulative : s.count;
              Exemplar e = openMetrics ? exemplarFor(s, i) : null;
              line(b, f.name() + "_bucket", s.labels, "le", bound(upper, openMetrics), Long.toString(value), s,
                  openMetrics, timestamps, e);
            }
            line(b, f.name() + "_sum", s.labels, null, null, number(s.sum, openMetrics), s, openMetrics, timestamps, null);
            line(b, f.name() + "_count", s.labels, null, null, Long.toString(s.count), s, openMetrics, timestamps, null);
            break;
          default:
            for (int i = 0; i < s.quantiles.length; i++) {
              line(b, f.name(), s.labels, "quantile", bound(s.quantiles[i], openMetrics),
                  number(s.quantileValues[i], openMetrics), s, openMetrics, timestamps, null);
            }
            line(b, f.name() + "_sum", s.labels, null, null, number(s.sum, openMetrics), s, openMetrics, timestamps, null);
            line(b, f.name() + "_count", s.labels, null, null, Long.toString(s.count), s, openMetrics, timestamps, null);
        }
      }
    }
    if (openMetrics) {
      b.append("# EOF\n");
    }
    return b.toString();
  }

  /** The latest exemplar whose value falls in bucket {@code i}: above the previous bound, at most this one. */
  private static Exemplar exemplarFor(Series s, int i) {
    double lower = i == 0 ? Double.NEGATIVE_INFINITY : s.bounds[i - 1];
    double upper = i < s.bounds.length ? s.bounds[i] : Double.POSITIVE_INFINITY;
    Exemplar found = null;
    for (Exemplar e : s.exemplars) {
      if (e.value() > lower && e.value() <= upper) {
        found = e;
      }
    }
    return found;
  }

  private static void line(StringBuilder b, String name, Map<String, String> labels, String extraName,
      String extraValue, String value, Series s, boolean openMetrics, boolean timestamps, Exemplar exemplar) {
    b.append(name);
    if (!labels.isEmpty() || extraName != null) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<String, String> l : labels.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        b.append(l.getKey()).append("=\"").append(escapeValue(l.getValue())).append('"');
      }
      if (extraName != null) {
        if (!first) {
          b.append(',');
        }
        b.append(extraName).append("=\"").append(extraValue).append('"');
      }
      b.append('}');
    }
    b.append(' ').append(value);
    if (timestamps && s.timeNanos > 0) {
      b.append(' ').append(openMetrics ? seconds(s.timeNanos) : Long.toString(s.timeNanos / 1_000_000));
    }
    if (exemplar != null) {
      b.append(" # {");
      boolean first = true;
      if (!exemplar.traceId().isEmpty()) {
        b.append("trace_id=\"").append(exemplar.traceId()).append('"');
        first = false;
      }
      if (!exemplar.spanId().isEmpty()) {
        b.append(first ? "" : ",").append("span_id=\"").append(exemplar.spanId()).append('"');
      }
      b.append("} ").append(GoFloat.openMetrics(exemplar.value()));
      if (exemplar.timeNanos() > 0) {
        b.append(' ').append(seconds(exemplar.timeNanos()));
      }
    }
    b.append('\n');
  }

  private static String number(double v, boolean openMetrics) {
    return openMetrics ? GoFloat.openMetrics(v) : GoFloat.text(v);
  }

  private static String bound(double v, boolean openMetrics) {
    return openMetrics ? GoFloat.openMetrics(v) : GoFloat.text(v);
  }

  private static String seconds(long nanos) {
    long s = nanos / 1_000_000_000L;
    long ms = (nanos % 1_000_000_000L) / 1_000_000L;
    return s + "." + String.format("%03d", ms);
  }

  static String escapeValue(String v) {
    if (v.indexOf('\\') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0) {
      return v;
    }
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String v, boolean openMetrics) {
    String s = v.replace("\\", "\\\\").replace("\n", "\\n");
    return openMetrics ? s.replace("\"", "\\\"") : s;
  }
}
