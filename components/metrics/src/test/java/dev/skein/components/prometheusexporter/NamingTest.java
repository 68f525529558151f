package dev.skein.components.prometheusexporter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamingTest {
  @Test
  void spanMetricsGetTheCollectorsPrometheusNames() {
    assertThat(Naming.metricName("traces.span.metrics.calls", "", Naming.Kind.COUNTER, "", true))
        .isEqualTo("traces_span_metrics_calls_total");
    assertThat(Naming.metricName("traces.span.metrics.duration", "ms", Naming.Kind.OTHER, "", true))
        .isEqualTo("traces_span_metrics_duration_milliseconds");
    assertThat(Naming.metricName("traces.span.metrics.duration", "s", Naming.Kind.OTHER, "", true))
        .isEqualTo("traces_span_metrics_duration_seconds");
  }

  @Test
  void serviceGraphNamesKeepTheirSuffixesOnce() {
    assertThat(Naming.metricName("traces_service_graph_request_total", "", Naming.Kind.COUNTER, "", true))
        .isEqualTo("traces_service_graph_request_total");
    assertThat(Naming.metricName("traces_service_graph_request_server", "s", Naming.Kind.OTHER, "", true))
        .isEqualTo("traces_service_graph_request_server_seconds");
  }

  @Test
  void unitsNamespacesAndTheSuffixSwitch() {
    assertThat(Naming.metricName("http.server.request.size", "By", Naming.Kind.OTHER, "skein", true))
        .isEqualTo("skein_http_server_request_size_bytes");
    assertThat(Naming.metricName("queue.rate", "{item}/s", Naming.Kind.GAUGE, "", true))
        .isEqualTo("queue_rate_per_second");
    assertThat(Naming.metricName("cpu.utilization", "1", Naming.Kind.GAUGE, "", true)).isEqualTo("cpu_utilization_ratio");
    assertThat(Naming.metricName("traces.span.metrics.calls", "", Naming.Kind.COUNTER, "", false))
        .isEqualTo("traces_span_metrics_calls");
    assertThat(Naming.metricName("2xx.count", "", Naming.Kind.GAUGE, "", false)).isEqualTo("_2xx_count");
  }

  @Test
  void labelNamesAreSanitized() {
    assertThat(Naming.labelName("service.name")).isEqualTo("service_name");
    assertThat(Naming.labelName("http.response.status_code")).isEqualTo("http_response_status_code");
    assertThat(Naming.labelName("otel.metric.overflow")).isEqualTo("otel_metric_overflow");
    assertThat(Naming.labelName("0day")).isEqualTo("key_0day");
    assertThat(Naming.labelName("_private")).isEqualTo("key_private");
    assertThat(Naming.labelName("__reserved")).isEqualTo("__reserved");
  }

  @Test
  void numbersAreFormattedAsTheGoClientFormatsThem() {
    assertThat(GoFloat.text(2)).isEqualTo("2");
    assertThat(GoFloat.text(15000)).isEqualTo("15000");
    assertThat(GoFloat.text(0.002)).isEqualTo("0.002");
    assertThat(GoFloat.text(1e6)).isEqualTo("1e+06");
    assertThat(GoFloat.text(1234567)).isEqualTo("1.234567e+06");
    assertThat(GoFloat.text(0.00001)).isEqualTo("1e-05");
    assertThat(GoFloat.text(-2.5)).isEqualTo("-2.5");
    assertThat(GoFloat.text(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(GoFloat.openMetrics(2)).isEqualTo("2.0");
    assertThat(GoFloat.openMetrics(0.1)).isEqualTo("0.1");
    assertThat(GoFloat.openMetrics(1e6)).isEqualTo("1e+06");
  }
}
