package dev.skein.components.healthcheck;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineWatcher;
import dev.skein.pipeline.server.Servers;
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
    server = Servers.builder(config.endpoint, config.tls, "tls", 0)
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

  /** The port actually bound, useful when the configuration asks for port 0. */
  synchronized int activePort() {
    if (server == null) {
      throw new IllegalStateException("health_check is not running");
    }
    return server.activeLocalPort();
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
