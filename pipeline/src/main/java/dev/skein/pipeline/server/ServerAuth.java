package dev.skein.pipeline.server;

import static java.util.Objects.requireNonNull;

import com.google.rpc.Code;
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
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Nullable;
import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every request to a server before its service reads or decodes the body. A
 * refused request is answered by an {@link Answer}: {@link #GRPC} (UNAUTHENTICATED), {@link #TEXT}
 * (HTTP 401 with {@code WWW-Authenticate}), or one in the protocol's own error format. An
 * authenticator that fails rather than refuses also keeps the request out: gRPC INTERNAL or HTTP
 * 500, with no detail for the client.
 *
 * <p>Thread-safe; one instance serves every request of one server.
 */
public final class ServerAuth {
  private static final Logger log = LoggerFactory.getLogger(ServerAuth.class);
  /** Counts the requests a receiver refused, by {@code receiver}, as the Collector does. */
  public static final String RECEIVER_METRIC = "otelcol_receiver_unauthenticated_requests";
  private static final MediaType GRPC_TYPE = MediaType.create("application", "grpc");
  /** The client an authenticated request came from, set before the decorated service runs. */
  public static final io.netty.util.AttributeKey<ServerAuthenticator.Client> CLIENT =
      io.netty.util.AttributeKey.valueOf(ServerAuth.class, "CLIENT");

  /** How a refused request is answered. */
  @FunctionalInterface
  public interface Answer {
    /**
     * @param status UNAUTHENTICATED (the client's credential was refused; the message says why)
     *     or INTERNAL (the authenticator failed)
     * @param challenge the {@code WWW-Authenticate} value for UNAUTHENTICATED, null for INTERNAL
     */
    HttpResponse answer(RequestHeaders request, com.google.rpc.Status status, @Nullable String challenge);
  }

  /** A trailers-only gRPC answer: the status in the response headers, and no message. */
  public static final Answer GRPC = (request, status, challenge) -> {
    MediaType type = request.contentType();
    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
        .contentType(type != null && type.subtype().startsWith("grpc") ? type : GRPC_TYPE)
        .add("grpc-status", Integer.toString(status.getCode()))
        .add("grpc-message", percentEncode(status.getMessage()))
        .add("grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray()))
        .endOfStream(true)
        .build());
  };

  /** HTTP 401 (or 500) with the message as plain text. */
  public static final Answer TEXT = (request, status, challenge) -> HttpResponse.of(
      httpHeaders(status, challenge, MediaType.PLAIN_TEXT_UTF_8).build(),
      com.linecorp.armeria.common.HttpData.ofUtf8(status.getMessage() + "\n"));

  private final String owner;
  private final ComponentId authenticatorId;
  private final ServerAuthenticator authenticator;
  private final List<String> requestParams;
  private final Answer answer;
  private final Runnable onRefused;

  private ServerAuth(String owner, ComponentId authenticatorId, ServerAuthenticator authenticator,
      List<String> requestParams, Answer answer, Runnable onRefused) {
    this.owner = owner;
    this.authenticatorId = authenticatorId;
    this.authenticator = authenticator;
    this.requestParams = List.copyOf(requestParams);
    this.answer = answer;
    this.onRefused = onRefused;
  }

  /**
   * Authentication for one server of a receiver, with the authenticator {@code config} names;
   * every refusal is counted in {@link #RECEIVER_METRIC}.
   *
   * @param prefix the YAML path of the {@code auth} block, for the message when the extension is
   *     missing
   * @param requestParams query parameters handed to the authenticator as if they were headers;
   *     a parameter wins over a header of the same name
   * @throws IllegalStateException naming {@code prefix::authenticator} when the extension is missing
   */
  public static ServerAuth forReceiver(CreateSettings settings, Host host, ServerAuthConfig config, String prefix,
      List<String> requestParams, Answer answer) {
    requireNonNull(settings, "settings");
    ServerAuthenticator a = config.find(requireNonNull(host, "host"), requireNonNull(prefix, "prefix"));
    String id = settings.id().toString();
    return new ServerAuth("receiver \"" + id + "\"", config.authenticatorId(), a,
        requireNonNull(requestParams, "requestParams"), requireNonNull(answer, "answer"),
        () -> settings.telemetry().add(RECEIVER_METRIC, "receiver", id, 1));
  }

  /** Authentication for a server of an extension (such as the query API), answered by {@code answer}. */
  public static ServerAuth forExtension(CreateSettings settings, Host host, ServerAuthConfig config, String prefix,
      Answer answer) {
    requireNonNull(settings, "settings");
    ServerAuthenticator a = config.find(requireNonNull(host, "host"), requireNonNull(prefix, "prefix"));
    return new ServerAuth("extension \"" + settings.id() + "\"", config.authenticatorId(), a, List.of(),
        requireNonNull(answer, "answer"), () -> { });
  }

  /**
   * Wraps {@code delegate}. The authenticator answers as soon as the headers are in, so an
   * unauthenticated client cannot make the server buffer its message.
   */
  public HttpService decorate(HttpService delegate) {
    requireNonNull(delegate, "delegate");
    return new HeadersFirstDecorator(delegate) {
      @Override
      public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        return authenticateThenServe((HttpService) unwrap(), ctx, req);
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
      if (failure != null) {
        return refuse(req.headers(), failure);
      }
      ctx.setAttr(CLIENT, result.join());
      return delegate.serve(ctx, req);
    }
    return HttpResponse.of(result.handleAsync((c, t) -> {
      if (t != null) {
        return refuse(req.headers(), t);
      }
      ctx.setAttr(CLIENT, c);
      try {
        return delegate.serve(ctx, req);
      } catch (Exception e) {
        return HttpResponse.ofFailure(e);
      }
    }, ctx.eventLoop()));
  }

  /**
   * The request's headers; with {@code requestParams}, a query parameter of a listed name stands
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
    onRefused.run();
    if (cause instanceof AuthenticationException) {
      log.debug("{} refused a request: {}", owner, cause.getMessage());
      return answer.answer(request, status(Code.UNAUTHENTICATED, cause.getMessage()),
          ((AuthenticationException) cause).challenge());
    }
    // The client gets no detail: an unexpected exception's message could hold anything.
    log.warn("{}: authenticator \"{}\" failed", owner, authenticatorId, cause);
    return answer.answer(request, status(Code.INTERNAL,
        "authenticator \"" + authenticatorId + "\" failed; the request was not accepted"), null);
  }

  private static com.google.rpc.Status status(Code code, String message) {
    return com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
  }

  /**
   * The headers of an HTTP answer to {@code status}: 401 (with {@code WWW-Authenticate} when a
   * challenge is given) when the credential or the tenant was missing or refused, 400 for an
   * invalid tenant ID, 500 when the authenticator failed.
   */
  public static ResponseHeadersBuilder httpHeaders(com.google.rpc.Status status, @Nullable String challenge,
      MediaType type) {
    HttpStatus http;
    if (challenge != null || status.getCode() == Code.UNAUTHENTICATED_VALUE) {
      http = HttpStatus.UNAUTHORIZED;
    } else if (status.getCode() == Code.INVALID_ARGUMENT_VALUE) {
      http = HttpStatus.BAD_REQUEST;
    } else {
      http = HttpStatus.INTERNAL_SERVER_ERROR;
    }
    ResponseHeadersBuilder h = ResponseHeaders.builder(http).contentType(type);
    if (challenge != null) {
      h.add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    }
    return h;
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
