package dev.skein.components.prometheusexporter;

import dev.skein.components.metrics.internal.MetricsSource;
import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.TracesExporter;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code prometheus} exporter at the end of a traces pipeline, the guide's shorthand: it derives
 * span metrics with the {@code spanmetrics} defaults and serves them, read fresh at every scrape.
 */
final class PrometheusTracesExporter implements TracesExporter {
  private static final Logger log = LoggerFactory.getLogger(PrometheusTracesExporter.class);

  private final String id;
  private final PrometheusEndpoint endpoint;
  private final MetricsSource spanMetrics;
  private boolean started;

  PrometheusTracesExporter(String id, PrometheusEndpoint endpoint, MetricsSource spanMetrics) {
    this.id = id;
    this.endpoint = endpoint;
    this.spanMetrics = spanMetrics;
  }

  @Override
  public synchronized void start(Host host) {
    if (started) {
      return;
    }
    endpoint.acquire();
    endpoint.addSource(spanMetrics);
    started = true;
    log.info("exporter \"{}\" ends a traces pipeline: deriving span metrics with the spanmetrics defaults"
        + " and serving them on {}/metrics", id, endpoint.endpoint());
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    return spanMetrics.consume(traces);
  }

  @Override
  public synchronized void shutdown() {
    if (started) {
      started = false;
      endpoint.removeSource(spanMetrics);
      endpoint.release();
    }
  }
}
