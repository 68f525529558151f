package dev.skein.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.storage.StorageException;
import dev.skein.storage.search.RegexBudgetExceededException;
import dev.skein.wire.jaeger.JaegerJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handlers for the query APIs: GET (and HEAD), or POST with a JSON body, run off the event loop
 * because storage reads block, with errors in the shape each API family uses.
 */
final class Http {
  private static final Logger log = LoggerFactory.getLogger(Http.class);
  static final ObjectMapper JSON = new ObjectMapper();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Http() {}

  /** How an API family writes errors. */
  enum Style {
    /** Jaeger's {@code /api} envelope, the status repeated in {@code errors[0].code}. */
    JAEGER,
    /** Jaeger's api_v3 gateway: {@code {"error": {"httpCode": 404, "message": "..."}}}. */
    V3,
    /** Tempo: the message as plain text. */
    TEMPO
  }

  /** An answer. */
  sealed interface Reply permits Json, Bytes {}

  record Json(HttpStatus status, JsonNode body) implements Reply {}

  record Bytes(HttpStatus status, MediaType type, byte[] body) implements Reply {}

  static Reply ok(JsonNode body) {
    return new Json(HttpStatus.OK, body);
  }

  @FunctionalInterface
  interface Handler {
    Reply handle(ServiceRequestContext ctx, HttpRequest req) throws QueryException;
  }

  /** A handler of a request with a body. */
  @FunctionalInterface
  interface BodyHandler {
    Reply handle(ServiceRequestContext ctx, byte[] body) throws QueryException;
  }

  /** A POST endpoint: the whole body is read, then {@code handler} runs off the event loop. */
  static HttpService post(Style style, BodyHandler handler) {
    return (ctx, req) -> {
      if (req.method() != HttpMethod.POST) {
        return send(error(style, HttpStatus.METHOD_NOT_ALLOWED, req.method() + " " + req.path() + " (expected: POST)"));
      }
      return HttpResponse.of(req.aggregate().thenApplyAsync(
          body -> send(run(style, (c, r) -> handler.handle(c, body.content().array()), ctx, req)),
          ctx.blockingTaskExecutor()));
    };
  }

  static HttpService get(Style style, Handler handler) {
    return (ctx, req) -> {
      if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
        return send(error(style, HttpStatus.METHOD_NOT_ALLOWED, req.method() + " " + req.path() + " (expected: GET)"));
      }
      return HttpResponse.of(CompletableFuture.supplyAsync(() -> send(run(style, handler, ctx, req)),
          ctx.blockingTaskExecutor()));
    };
  }

  private static Reply run(Style style, Handler handler, ServiceRequestContext ctx, HttpRequest req) {
    try {
      return handler.handle(ctx, req);
    } catch (QueryException e) {
      return error(style, e.status, e.getMessage());
    } catch (RegexBudgetExceededException e) {
      return error(style, HttpStatus.BAD_REQUEST, e.getMessage());
    } catch (UnsupportedOperationException e) {
      return error(style, HttpStatus.NOT_IMPLEMENTED, String.valueOf(e.getMessage()));
    } catch (IllegalArgumentException e) {
      return error(style, HttpStatus.BAD_REQUEST, String.valueOf(e.getMessage()));
    } catch (StorageException e) {
      log.warn("query {} failed", req.path(), e);
      return error(style, e.retryable() ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.INTERNAL_SERVER_ERROR,
          String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      log.warn("query {} failed", req.path(), e);
      return error(style, HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(e.getMessage()));
    }
  }

  static Reply error(Style style, HttpStatus status, String message) {
    switch (style) {
      case JAEGER:
        return new Json(status, JaegerJson.errorEnvelope(status.code(), message));
      case V3: {
        ObjectNode o = NODES.objectNode();
        o.putObject("error").put("httpCode", status.code()).put("message", message);
        return new Json(status, o);
      }
      default:
        return new Bytes(status, MediaType.PLAIN_TEXT_UTF_8, message.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static HttpResponse send(Reply r) {
    if (r instanceof Bytes) {
      Bytes b = (Bytes) r;
      return HttpResponse.of(b.status(), b.type(), b.body());
    }
    Json j = (Json) r;
    try {
      return HttpResponse.of(j.status(), MediaType.JSON_UTF_8, JSON.writeValueAsBytes(j.body()));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses {@code bytes} of OTLP/JSON we made, for embedding in a response. */
  static JsonNode tree(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
