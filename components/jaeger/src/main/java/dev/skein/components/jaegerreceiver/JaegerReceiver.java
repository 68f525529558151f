package dev.skein.components.jaegerreceiver;

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
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Jaeger's gRPC CollectorService on the configured endpoint; with {@code tls}, over TLS,
 * and with {@code auth}, only to calls the named authenticator extension accepts (others get
 * UNAUTHENTICATED as soon as their headers arrive).
 */
final class JaegerReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(JaegerReceiver.class);

  private final CreateSettings settings;
  private final JaegerReceiverConfig config;
  private final TracesConsumer next;
  private @Nullable Server server;
  private boolean started;

  JaegerReceiver(CreateSettings settings, JaegerReceiverConfig config, TracesConsumer next) {
    this.settings = settings;
    this.config = config;
    this.next = next;
  }

  @Override
  public synchronized void start(Host host) {
    if (started) {
      return;
    }
    started = true;
    JaegerReceiverConfig.GrpcConfig grpc = config.protocols.grpc;
    if (grpc == null) {
      return;
    }
    // The authenticator is found before the port opens, so a wrong ID fails the start with nothing open.
    ServerAuth auth = grpc.auth == null ? null
        : ServerAuth.forReceiver(settings, host, grpc.auth, "protocols::grpc::auth", List.of(), ServerAuth.GRPC);
    ServerBuilder sb = Servers.builder(grpc.endpoint, grpc.tls, "protocols::grpc::tls", grpc.maxConcurrentStreams);
    // A request may wait for durable storage, so no request timeout. The gRPC layer enforces the
    // message cap, after decompression, with RESOURCE_EXHAUSTED; an HTTP-level limit would answer
    // first with a status that gRPC clients see as UNKNOWN.
    sb.requestTimeoutMillis(0);
    sb.maxRequestLength(0);
    GrpcService service = GrpcService.builder()
        .addService(new PostSpansService(settings, next).definition())
        .maxRequestMessageLength(grpc.maxRecvMsgSizeMib * 1024 * 1024)
        .enableUnframedRequests(false)
        .build();
    sb.service(service, Servers.access(auth, dev.skein.pipeline.server.Tenancy.find(host), ServerAuth.GRPC));
    Server s = sb.build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("protocols::grpc::endpoint: cannot listen on \"" + grpc.endpoint + "\": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    server = s;
    log.info("Jaeger gRPC receiver \"{}\" listening on {}", settings.id(), s.activeLocalPort());
  }

  /** The port actually bound, useful when the configuration asks for port 0; -1 when not listening. */
  synchronized int activePort() {
    return server == null ? -1 : server.activeLocalPort();
  }

  @Override
  public synchronized void shutdown() {
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }
}
