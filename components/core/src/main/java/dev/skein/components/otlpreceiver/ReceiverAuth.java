package dev.skein.components.otlpreceiver;

import com.google.rpc.Code;
import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;
import dev.skein.model.Nullable;
import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ServerAuthenticator;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every request to one server of the receiver before the service reads or decodes
 * its body. A refused request gets HTTP 401 with {@code WWW-Authenticate} and a
 * {@code google.rpc.Status} (code UNAUTHENTICATED) in the request's content type, or gRPC
 * UNAUTHENTICATED; it is counted in {@code otelcol_receiver_unauthenticated_requests}, since no
 * span of it was ever decoded. An authenticator that fails rather than refuses also keeps the
 * request out: HTTP 500 or gRPC INTERNAL.
 */
final class ReceiverAuth {
  private static final Logger log = LoggerFactory.getLogger(ReceiverAuth.class);
  static final String METRIC = "otelcol_receiver_unauthenticated_requests";
  private static final MediaType GRPC = MediaType.create("application", "grpc");

  private final CreateSettings settings;
  private final ComponentId authenticatorId;
  private final ServerAuthenticator authenticator;
  private final boolean grpc;
  private final List<String> requestParams;

  private ReceiverAuth(CreateSettings settings, ComponentId authenticatorId, ServerAuthenticator authenticator,
      boolean grpc, List<String> requestParams) {
    this.settings = settings;
    this.authenticatorId = authenticatorId;
    this.authenticator = authenticator;
    this.grpc = grpc;
    this.requestParams = List.copyOf(requestParams);
  }

  static ReceiverAuth grpc(CreateSettings settings, ComponentId id, ServerAuthenticator authenticator) {
    return new ReceiverAuth(settings, id, authenticator, true, List.of());
  }

  static ReceiverAuth http(CreateSettings settings, ComponentId id, ServerAuthenticator authenticator,
      List<String> requestParams) {
    return new ReceiverAuth(settings, id, authenticator, false, requestParams);
  }

  /**
   * Wraps {@code delegate}. Armeria reads a unary gRPC call's whole body before the service (and
   * any decorator) runs; declaring the request a stream lets the authenticator answer as soon as
   * the headers are in, so an unauthenticated client cannot make the server buffer its message.
   */
  HttpService decorate(HttpService delegate) {
    return new SimpleDecoratingHttpService(delegate) {
      @Override
      public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        return authenticateThenServe((HttpService) unwrap(), ctx, req);
      }

      @Override
      public ExchangeType exchangeType(RoutingContext routingContext) {
        ExchangeType t = super.exchangeType(routingContext);
        return t.isRequestStreaming() ? t : ExchangeType.of(true, t.isResponseStreaming());
      }
    };
  }

  private HttpResponse authenticateThenServe(HttpService delegate, ServiceRequestContext ctx, HttpRequest req)
      throws Exception {
    CompletableFuture<ServerAuthenticator.Client> result;
    try {
      result = authenticator.authenticate(headers(ctx, req.headers()));
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    if (result.isDone()) {
      // The usual case (a token compared in place): answer on this thread, without a hop.
      Throwable failure = result.handle((c, t) -> t).join();
      return failure == null ? delegate.serve(ctx, req) : refuse(req.headers(), failure);
    }
    return HttpResponse.of(result.handleAsync((c, t) -> {
      if (t != null) {
        return refuse(req.headers(), t);
      }
      try {
        return delegate.serve(ctx, req);
      } catch (Exception e) {
        return HttpResponse.ofFailure(e);
      }
    }, ctx.eventLoop()));
  }

  /**
   * The request's headers; with {@code request_params}, a query parameter of a listed name stands
   * in for the header of that name, as in the Collector.
   */
  private ServerAuthenticator.Headers headers(ServiceRequestContext ctx, RequestHeaders headers) {
    if (requestParams.isEmpty()) {
      return headers::getAll;
    }
    String query = ctx.query();
    QueryParams params = query == null ? QueryParams.of() : QueryParams.fromQueryString(query);
    return name -> {
      for (String p : requestParams) {
        if (p.equalsIgnoreCase(name) && params.contains(p)) {
          return params.getAll(p);
        }
      }
      return headers.getAll(name);
    };
  }

  private HttpResponse refuse(RequestHeaders request, Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    settings.telemetry().add(METRIC, "receiver", settings.id().toString(), 1);
    String challenge;
    com.google.rpc.Status status;
    if (cause instanceof AuthenticationException) {
      challenge = ((AuthenticationException) cause).challenge();
      status = status(Code.UNAUTHENTICATED, cause.getMessage());
      log.debug("receiver \"{}\" refused a request: {}", settings.id(), cause.getMessage());
    } else {
      challenge = null;
      status = status(Code.INTERNAL, "authenticator \"" + authenticatorId + "\" failed; the request was not accepted");
      // The client gets no detail: an unexpected exception's message could hold anything.
      log.warn("receiver \"{}\": authenticator \"{}\" failed", settings.id(), authenticatorId, cause);
    }
    return grpc ? grpcAnswer(request, status) : httpAnswer(request, status, challenge);
  }

  private static com.google.rpc.Status status(Code code, String message) {
    return com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
  }

  private static HttpResponse httpAnswer(RequestHeaders request, com.google.rpc.Status status,
      @Nullable String challenge) {
    boolean json = OtlpHttpService.answersInJson(request.contentType());
    ResponseHeadersBuilder h = ResponseHeaders.builder(
            challenge != null ? HttpStatus.UNAUTHORIZED : HttpStatus.INTERNAL_SERVER_ERROR)
        .contentType(json ? MediaType.JSON : OtlpHttpService.PROTOBUF);
    if (challenge != null) {
      h.add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    }
    return HttpResponse.of(h.build(), HttpData.wrap(OtlpHttpService.encode(json, status)));
  }

  /** A trailers-only gRPC answer: the status in the response headers, and no message. */
  private static HttpResponse grpcAnswer(RequestHeaders request, com.google.rpc.Status status) {
    MediaType type = request.contentType();
    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
        .contentType(type != null && type.subtype().startsWith("grpc") ? type : GRPC)
        .add("grpc-status", Integer.toString(status.getCode()))
        .add("grpc-message", percentEncode(status.getMessage()))
        .add("grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray()))
        .endOfStream(true)
        .build());
  }

  /** {@code grpc-message} as the gRPC HTTP/2 protocol asks: UTF-8, printable ASCII but '%' as is, the rest as %XX. */
  static String percentEncode(String message) {
    StringBuilder b = new StringBuilder(message.length());
    for (byte x : message.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }
}
