package dev.skein.components.healthcheck;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineWatcher;
import dev.skein.pipeline.config.Endpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * Answers 200 with the Collector's body once every pipeline runs, and 503 before and while
 * shutting down, so that load balancers and orchestrators route traffic only to a ready server.
 */
final class HealthCheck implements Component, PipelineWatcher {
  private final HealthCheckConfig config;
  private volatile Instant readySince;
  private Server server;

  HealthCheck(HealthCheckConfig config) {
    this.config = config;
  }

  @Override
  public synchronized void start(Host host) {
    if (server != null) {
      return;
    }
    InetSocketAddress a = Endpoint.parse(config.endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    server = Server.builder().port(bind, SessionProtocol.HTTP)
        .service(config.path, (ctx, req) -> {
          Instant since = readySince;
          if (since == null) {
            return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON_UTF_8,
                "{\"status\":\"Server not available\"}");
          }
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8,
              "{\"status\":\"Server available\",\"upSince\":\"%s\",\"uptime\":\"%s\"}",
              since, Duration.between(since, Instant.now()));
        })
        .build();
    server.start().join();
  }

  @Override
  public void ready() {
    readySince = Instant.now();
  }

  @Override
  public void notReady() {
    readySince = null;
  }

  @Override
  public synchronized void shutdown() {
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }
}
