package dev.skein.components.servicegraph;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.MetricsConsumer;
import dev.skein.pipeline.Signal;
import dev.skein.pipeline.TracesConnector;

/**
 * Creates the Collector's {@code servicegraph} connector: from a traces pipeline it emits, into
 * metrics pipelines, request counts, failure counts and client- and server-side latency histograms
 * per edge between two services ({@code traces_service_graph_request_total} and friends).
 */
public final class ServiceGraphConnectorFactory implements ConnectorFactory<ServiceGraphConfig> {
  @Override
  public String type() {
    return "servicegraph";
  }

  @Override
  public ServiceGraphConfig createDefaultConfig() {
    return new ServiceGraphConfig();
  }

  @Override
  public boolean supports(Signal from, Signal to) {
    return from == Signal.TRACES && to == Signal.METRICS;
  }

  @Override
  public TracesConnector createTracesToMetrics(CreateSettings settings, ServiceGraphConfig config, MetricsConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    return new ServiceGraphConnector(settings.id().toString(), config, next, settings.telemetry(),
        ServiceGraphConnectorFactory::nowNanos);
  }

  static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
