package dev.skein.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import dev.skein.model.Nullable;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.Endpoint;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Serves Skein's own metrics in Prometheus format at {@code /metrics}, where the Collector serves
 * its internal telemetry: {@code service::telemetry::metrics::address} (the older form) or a
 * {@code readers: [{pull: {exporter: {prometheus: {host, port}}}}]} entry, and {@code 0.0.0.0:8888}
 * when neither is given. {@code level: none} turns it off.
 */
final class TelemetryServer implements AutoCloseable {
  static final String DEFAULT_ADDRESS = "0.0.0.0:8888";

  private final Server server;

  private TelemetryServer(Server server) {
    this.server = server;
  }

  /** Returns the address to serve on, or empty when metrics are turned off. */
  static Optional<String> address(@Nullable JsonNode telemetry) throws ConfigException {
    JsonNode metrics = telemetry == null ? null : telemetry.get("metrics");
    if (metrics == null || metrics.isNull()) {
      return Optional.of(DEFAULT_ADDRESS);
    }
    if (metrics.path("level").asText("").equals("none")) {
      return Optional.empty();
    }
    if (metrics.hasNonNull("address")) {
      String a = metrics.get("address").asText();
      String problem = Endpoint.problem("service::telemetry::metrics::address", a);
      if (problem != null) {
        throw new ConfigException(List.of(problem));
      }
      return Optional.of(a);
    }
    JsonNode readers = metrics.path("readers");
    for (int i = 0; i < readers.size(); i++) {
      JsonNode prom = readers.get(i).path("pull").path("exporter").path("prometheus");
      if (!prom.isMissingNode()) {
        String a = prom.path("host").asText("0.0.0.0") + ":" + prom.path("port").asText("8888");
        String problem = Endpoint.problem("service::telemetry::metrics::readers[" + i + "]::pull::exporter::prometheus", a);
        if (problem != null) {
          throw new ConfigException(List.of(problem));
        }
        return Optional.of(a);
      }
    }
    return Optional.of(DEFAULT_ADDRESS);
  }

  static TelemetryServer start(String address, Telemetry telemetry) {
    InetSocketAddress a = Endpoint.parse(address);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    Server s = Server.builder().port(bind, SessionProtocol.HTTP)
        .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
            MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), telemetry.toPrometheusText()))
        .build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("Skein's own metrics cannot listen on " + address + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    return new TelemetryServer(s);
  }

  int port() {
    return server.activeLocalPort();
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
