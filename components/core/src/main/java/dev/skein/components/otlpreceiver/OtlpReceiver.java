package dev.skein.components.otlpreceiver;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.skein.model.Nullable;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.server.ServerAuth;
import dev.skein.pipeline.server.Servers;
import dev.skein.pipeline.server.Tenancy;
import dev.skein.pipeline.server.TlsServerConfig;
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
    ServerAuth grpcAuth = grpc == null || grpc.auth == null ? null
        : ServerAuth.forReceiver(settings, host, grpc.auth, "protocols::grpc::auth", List.of(), ServerAuth.GRPC);
    ServerAuth httpAuth = http == null || http.auth == null ? null
        : ServerAuth.forReceiver(settings, host, http.auth, "protocols::http::auth", http.auth.requestParams,
            OtlpReceiver::httpRefusal);
    Tenancy tenancy = Tenancy.find(host);
    started = true;
    ExportHandler handler = new ExportHandler(settings, next);
    if (grpc != null) {
      int max = grpc.maxRecvMsgSizeMib * 1024 * 1024;
      ServerBuilder sb = newServer(grpc.endpoint, grpc.tls, "protocols::grpc::tls", grpc.maxConcurrentStreams);
      // The gRPC layer enforces the cap per message, after decompression, with RESOURCE_EXHAUSTED;
      // a lower HTTP-level limit would answer first with a status gRPC clients see as UNKNOWN.
      sb.maxRequestLength(0);
      GrpcService service = GrpcService.builder()
          .addService(new OtlpGrpcService(handler).definition())
          .maxRequestMessageLength(max)
          .enableUnframedRequests(false)
          .build();
      sb.service(service, Servers.access(grpcAuth, tenancy, ServerAuth.GRPC));
      servers.add(startServer(sb, "OTLP/gRPC", grpc.endpoint));
    }
    if (http != null) {
      ServerBuilder sb = newServer(http.endpoint, http.tls, "protocols::http::tls", 0);
      HttpService service = new OtlpHttpService(handler, http.maxRequestBodySize);
      sb.route().path(http.tracesUrlPath).maxRequestLength(http.maxRequestBodySize)
          .build(service.decorate(Servers.access(httpAuth, tenancy, OtlpReceiver::httpRefusal)));
      servers.add(startServer(sb, "OTLP/HTTP", http.endpoint));
    }
  }

  /**
   * A refused OTLP/HTTP request's answer: 401 with {@code WWW-Authenticate} (500 when the
   * authenticator failed), and the {@code google.rpc.Status} in the request's content type.
   */
  private static HttpResponse httpRefusal(RequestHeaders request, com.google.rpc.Status status,
      @Nullable String challenge) {
    boolean json = OtlpHttpService.answersInJson(request.contentType());
    return HttpResponse.of(ServerAuth.httpHeaders(status, challenge, json ? MediaType.JSON : OtlpHttpService.PROTOBUF)
        .build(), HttpData.wrap(OtlpHttpService.encode(json, status)));
  }

  private ServerBuilder newServer(String endpoint, @Nullable TlsServerConfig tls, String tlsPath,
      int maxConcurrentStreams) {
    ServerBuilder sb;
    try {
      sb = Servers.builder(endpoint, tls, tlsPath, maxConcurrentStreams);
    } catch (IllegalStateException e) {
      servers.forEach(s -> s.stop().join());
      servers.clear();
      throw e;
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
