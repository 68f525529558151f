package dev.skein.components.prometheusexporter;

import dev.skein.model.Metrics;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.MetricsExporter;
import java.util.concurrent.CompletableFuture;

/** The metrics side of the {@code prometheus} exporter: what it consumes is served at the next scrape. */
final class PrometheusMetricsExporter implements MetricsExporter {
  private final PrometheusEndpoint endpoint;
  private boolean started;

  PrometheusMetricsExporter(PrometheusEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public synchronized void start(Host host) {
    if (!started) {
      endpoint.acquire();
      started = true;
    }
  }

  @Override
  public CompletableFuture<Void> consume(Metrics metrics) {
    endpoint.accumulate(metrics);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized void shutdown() {
    if (started) {
      started = false;
      endpoint.release();
    }
  }
}
