package dev.skein.components.otlpreceiver;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.skein.components.otlpreceiver.OtlpReceiverConfig.TlsConfig;
import dev.skein.model.Nullable;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.config.Endpoint;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves OTLP/gRPC and OTLP/HTTP on the configured endpoints; with {@code auth}, only to requests
 * the named authenticator extension accepts.
 */
final class OtlpReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(OtlpReceiver.class);

  private final CreateSettings settings;
  private final OtlpReceiverConfig config;
  private final TracesConsumer next;
  private final List<Server> servers = new ArrayList<>();
  private boolean started;

  OtlpReceiver(CreateSettings settings, OtlpReceiverConfig config, TracesConsumer next) {
    this.settings = settings;
    this.config = config;
    this.next = next;
  }

  @Override
  public synchronized void start(Host host) {
    if (started) {
      return;
    }
    OtlpReceiverConfig.GrpcConfig grpc = config.protocols.grpc;
    OtlpReceiverConfig.HttpConfig http = config.protocols.http;
    // Both authenticators are found before either server listens, so a wrong ID fails the start
    // with nothing left open.
    ReceiverAuth grpcAuth = grpc == null || grpc.auth == null ? null
        : ReceiverAuth.grpc(settings, authenticatorId(grpc.auth),
            authenticator(host, "protocols::grpc::auth", grpc.auth));
    ReceiverAuth httpAuth = http == null || http.auth == null ? null
        : ReceiverAuth.http(settings, authenticatorId(http.auth),
            authenticator(host, "protocols::http::auth", http.auth), http.auth.requestParams);
    started = true;
    ExportHandler handler = new ExportHandler(settings, next);
    if (grpc != null) {
      int max = grpc.maxRecvMsgSizeMib * 1024 * 1024;
      ServerBuilder sb = newServer(grpc.endpoint, grpc.tls);
      // The gRPC layer enforces the cap per message, after decompression, with RESOURCE_EXHAUSTED;
      // a lower HTTP-level limit would answer first with a status gRPC clients see as UNKNOWN.
      sb.maxRequestLength(0);
      if (grpc.maxConcurrentStreams > 0) {
        sb.http2MaxStreamsPerConnection(grpc.maxConcurrentStreams);
      }
      GrpcService service = GrpcService.builder()
          .addService(new OtlpGrpcService(handler).definition())
          .maxRequestMessageLength(max)
          .enableUnframedRequests(false)
          .build();
      if (grpcAuth != null) {
        sb.service(service, grpcAuth::decorate);
      } else {
        sb.service(service);
      }
      servers.add(startServer(sb, "OTLP/gRPC", grpc.endpoint));
    }
    if (http != null) {
      ServerBuilder sb = newServer(http.endpoint, http.tls);
      HttpService service = new OtlpHttpService(handler, http.maxRequestBodySize);
      sb.route().path(http.tracesUrlPath).maxRequestLength(http.maxRequestBodySize)
          .build(httpAuth != null ? httpAuth.decorate(service) : service);
      servers.add(startServer(sb, "OTLP/HTTP", http.endpoint));
    }
  }

  private static ComponentId authenticatorId(OtlpReceiverConfig.AuthConfig auth) {
    return ComponentId.parse(auth.authenticator);
  }

  /** The extension {@code auth} names; a missing or wrong one fails the start naming the key. */
  private static ServerAuthenticator authenticator(Host host, String path, OtlpReceiverConfig.AuthConfig auth) {
    try {
      return host.extension(authenticatorId(auth), ServerAuthenticator.class);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(path + "::authenticator: " + e.getMessage(), e);
    }
  }

  private static ServerBuilder newServer(String endpoint, @Nullable TlsConfig tls) {
    InetSocketAddress a = Endpoint.parse(endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    ServerBuilder sb = Server.builder();
    if (tls != null) {
      sb.port(bind, SessionProtocol.HTTPS).tls(new File(tls.certFile), new File(tls.keyFile));
    } else {
      sb.port(bind, SessionProtocol.HTTP);
    }
    // Clients keep long-lived connections; the defaults close idle ones after 15 s, which is fine,
    // but the request timeout must not cut off a request that waits for durable storage.
    sb.requestTimeoutMillis(0);
    // On shutdown, let requests already waiting for storage finish rather than cutting them off
    // (their clients would retry spans that may already be stored).
    sb.gracefulShutdownTimeout(java.time.Duration.ZERO, java.time.Duration.ofSeconds(10));
    return sb;
  }

  private Server startServer(ServerBuilder sb, String what, String endpoint) {
    Server server = sb.build();
    try {
      server.start().join();
    } catch (RuntimeException e) {
      servers.forEach(s -> s.stop().join());
      throw new IllegalStateException(what + " cannot listen on " + endpoint + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    log.info("{} receiver \"{}\" listening on {}", what, settings.id(), server.activeLocalPort());
    return server;
  }

  /** The ports actually bound, in the order gRPC, HTTP; useful when the configuration asks for port 0. */
  List<Integer> activePorts() {
    List<Integer> ports = new ArrayList<>();
    servers.forEach(s -> ports.add(s.activeLocalPort()));
    return ports;
  }

  @Override
  public synchronized void shutdown() {
    for (Server s : servers) {
      s.stop().join();
    }
    servers.clear();
  }
}
