package dev.skein.components.zipkinreceiver;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.AbstractHttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Nullable;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.server.ServerAuth;
import dev.skein.pipeline.server.Servers;
import dev.skein.zipkin.ZipkinTranslator;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Zipkin's span API on the configured endpoint: {@code POST /api/v2/spans}, and a clear
 * refusal on {@code POST /api/v1/spans}; with {@code tls}, over TLS, and with {@code auth}, only
 * to requests the named authenticator extension accepts (others get 401 before their body is read).
 */
final class ZipkinReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(ZipkinReceiver.class);
  /**
   * How long shutdown waits for requests in flight, whose spans are on their way into the pipeline,
   * to be answered. Armeria's default is not to wait, which cuts them off: their senders would retry
   * spans that may already be stored.
   */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private final CreateSettings settings;
  private final ZipkinReceiverConfig config;
  private final TracesConsumer next;
  @Nullable private Server server;
  private boolean started;

  ZipkinReceiver(CreateSettings settings, ZipkinReceiverConfig config, TracesConsumer next) {
    this.settings = settings;
    this.config = config;
    this.next = next;
  }

  @Override
  public synchronized void start(Host host) {
    if (started) {
      return;
    }
    // The authenticator is found before the port opens, so a wrong ID fails the start with nothing open.
    ServerAuth auth = config.auth == null ? null
        : ServerAuth.forReceiver(settings, host, config.auth, "auth", List.of(), ServerAuth.TEXT);
    started = true;
    ServerBuilder sb = Servers.builder(config.endpoint, config.tls, "tls", 0)
        // A request waits for the pipeline (for storage: until the spans are durable); no timeout cuts it off.
        .requestTimeoutMillis(0)
        // No quiet period: the port closes at once, and only the requests in flight are waited for.
        .gracefulShutdownTimeout(Duration.ZERO, DRAIN_TIMEOUT);
    sb.decorator(Servers.access(auth, dev.skein.pipeline.server.Tenancy.find(host), ServerAuth.TEXT));
    sb.route().path("/api/v2/spans").maxRequestLength(config.maxRequestBodySize)
        .build(new ZipkinHttpService(settings, ZipkinTranslator.create(config.parseStringTags), next,
            config.maxRequestBodySize));
    sb.service("/api/v1/spans", new UnsupportedV1Service());
    sb.errorHandler(new TooLargeHandler(config.maxRequestBodySize));
    Server s = sb.build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("Zipkin receiver \"" + settings.id() + "\" cannot listen on "
          + config.endpoint + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    server = s;
    log.info("Zipkin receiver \"{}\" listening on {}", settings.id(), s.activeLocalPort());
  }

  /** The port actually bound, useful when the configuration asks for port 0. */
  synchronized int activePort() {
    if (server == null) {
      throw new IllegalStateException("Zipkin receiver \"" + settings.id() + "\" is not running");
    }
    return server.activeLocalPort();
  }

  /** Stops accepting requests and lets those in flight finish, for at most {@link #DRAIN_TIMEOUT}. */
  @Override
  public synchronized void shutdown() {
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }

  /**
   * Words the 413 that Armeria sends by itself for a body over {@code max_request_body_size}, as
   * the receiver's other errors are worded; everything else is left to Armeria's defaults.
   */
  private static final class TooLargeHandler implements ServerErrorHandler {
    private final long maxBodySize;

    TooLargeHandler(long maxBodySize) {
      this.maxBodySize = maxBodySize;
    }

    @Override
    @Nullable
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
      return null;
    }

    @Override
    @Nullable
    public AggregatedHttpResponse renderStatus(@Nullable ServiceRequestContext ctx, ServiceConfig config,
        @Nullable RequestHeaders headers, HttpStatus status, @Nullable String description, @Nullable Throwable cause) {
      if (status != HttpStatus.REQUEST_ENTITY_TOO_LARGE) {
        return null;
      }
      return AggregatedHttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8,
          ZipkinHttpService.tooLargeMessage(maxBodySize, "") + "\n");
    }
  }

  /** Zipkin v1 (JSON or Thrift) is not translated; senders are told to use v2. */
  private static final class UnsupportedV1Service extends AbstractHttpService {
    @Override
    protected HttpResponse doPost(ServiceRequestContext ctx, HttpRequest req) {
      return ZipkinHttpService.text(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Zipkin v1 is not supported"
          + " (expected: Zipkin v2 spans at POST /api/v2/spans, as application/json or application/x-protobuf)");
    }
  }
}
