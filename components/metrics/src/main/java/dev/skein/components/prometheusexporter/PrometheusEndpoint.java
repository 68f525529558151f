package dev.skein.components.prometheusexporter;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.encoding.EncodingService;
import dev.skein.components.metrics.internal.MetricsSource;
import dev.skein.model.Metrics;
import dev.skein.model.Nullable;
import dev.skein.pipeline.config.Endpoint;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@code prometheus} exporter's HTTP endpoint, shared by the traces and the metrics side of the
 * exporter: it listens while at least one side runs, and serves {@code /metrics}.
 */
final class PrometheusEndpoint {
  private final PrometheusExporterConfig config;
  private final Accumulator accumulator;
  private final List<MetricsSource> sources = new CopyOnWriteArrayList<>();
  private @Nullable Server server;
  private int users;

  PrometheusEndpoint(PrometheusExporterConfig config) {
    this.config = config;
    this.accumulator = new Accumulator(config, PrometheusEndpoint::nowNanos);
  }

  static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Starts listening if nobody else has. */
  synchronized void acquire() {
    if (users++ > 0) {
      return;
    }
    InetSocketAddress a = Endpoint.parse(config.endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    ServerBuilder sb = Server.builder();
    if (config.tls != null) {
      sb.port(bind, SessionProtocol.HTTPS).tls(new File(config.tls.certFile), new File(config.tls.keyFile));
    } else {
      sb.port(bind, SessionProtocol.HTTP);
    }
    Server s = sb.service("/metrics", (ctx, req) -> {
      boolean openMetrics = config.enableOpenMetrics && wantsOpenMetrics(req.headers().get(HttpHeaderNames.ACCEPT));
      return HttpResponse.of(CompletableFuture.supplyAsync(() -> HttpResponse.of(HttpStatus.OK,
          MediaType.parse(openMetrics ? Exposition.OPENMETRICS_CONTENT_TYPE : Exposition.TEXT_CONTENT_TYPE),
          scrape(openMetrics)), ctx.blockingTaskExecutor()));
    }).decorator(EncodingService.newDecorator()).build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      users--;
      throw new IllegalStateException("cannot listen on " + config.endpoint + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    server = s;
  }

  /** Stops listening once the last user is gone. */
  synchronized void release() {
    if (users == 0 || --users > 0) {
      return;
    }
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }

  /** The port listened on, e.g. when the configuration asked for port 0. */
  synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("the endpoint " + config.endpoint + " is not listening");
    }
    return server.activeLocalPort();
  }

  String endpoint() {
    return config.endpoint;
  }

  void accumulate(Metrics metrics) {
    accumulator.accumulate(metrics);
  }

  void addSource(MetricsSource source) {
    sources.add(source);
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  /** Reads every on-demand source, then writes all series in the chosen format. */
  String scrape(boolean openMetrics) {
    for (MetricsSource s : sources) {
      accumulator.accumulate(s.collect());
    }
    return Exposition.write(accumulator.families(), openMetrics, config.sendTimestamps);
  }

  /**
   * Whether the {@code Accept} header prefers OpenMetrics over the text format, weighing each media
   * range's {@code q} as Prometheus's own negotiation does.
   */
  static boolean wantsOpenMetrics(@Nullable String accept) {
    if (accept == null) {
      return false;
    }
    double om = 0;
    double text = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.trim().split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        if (p.startsWith("q=")) {
          try {
            q = Double.parseDouble(p.substring(2));
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      if (type.equals("application/openmetrics-text")) {
        om = Math.max(om, q);
      } else if (type.equals("text/plain") || type.equals("*/*") || type.equals("text/*")) {
        text = Math.max(text, q);
      }
    }
    return om > 0 && om >= text;
  }
}
