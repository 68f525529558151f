package dev.skein.model;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.List;

/** An immutable batch of metrics, grouped by resource and scope as OTLP groups them. */
public final class Metrics {
  private final List<ResourceMetrics> resourceMetrics;
  private final int dataPointCount;

  private Metrics(List<ResourceMetrics> resourceMetrics) {
    this.resourceMetrics = resourceMetrics;
    int n = 0;
    for (ResourceMetrics rm : resourceMetrics) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (io.opentelemetry.proto.metrics.v1.Metric m : sm.getMetricsList()) {
          switch (m.getDataCase()) {
            case GAUGE: n += m.getGauge().getDataPointsCount(); break;
            case SUM: n += m.getSum().getDataPointsCount(); break;
            case HISTOGRAM: n += m.getHistogram().getDataPointsCount(); break;
            case EXPONENTIAL_HISTOGRAM: n += m.getExponentialHistogram().getDataPointsCount(); break;
            case SUMMARY: n += m.getSummary().getDataPointsCount(); break;
            default: break;
          }
        }
      }
    }
    this.dataPointCount = n;
  }

  /** Returns a batch holding {@code resourceMetrics}; the list is copied. */
  public static Metrics of(List<ResourceMetrics> resourceMetrics) {
    return new Metrics(List.copyOf(requireNonNull(resourceMetrics, "resourceMetrics")));
  }

  public List<ResourceMetrics> resourceMetrics() {
    return resourceMetrics;
  }

  /** The number of data points in this batch. */
  public int dataPointCount() {
    return dataPointCount;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metrics && ((Metrics) o).resourceMetrics.equals(resourceMetrics);
  }

  @Override
  public int hashCode() {
    return resourceMetrics.hashCode();
  }

  @Override
  public String toString() {
    return "Metrics{resourceMetrics=" + resourceMetrics.size() + ", dataPoints=" + dataPointCount + '}';
  }
}
