package dev.skein.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Operation;
import dev.skein.storage.TraceReader;
import dev.skein.wire.jaeger.JaegerJson;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP query APIs on one reader: Jaeger's {@code /api} (the shapes its UI and Grafana's Jaeger
 * data source read) and Jaeger's {@code /api/v3} (OTLP JSON). Every answer is JSON; errors use
 * Jaeger's envelope with the HTTP status repeated in {@code errors[0].code}.
 */
public final class QueryApi {
  private static final Logger log = LoggerFactory.getLogger(QueryApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TraceReader reader;

  private QueryApi(TraceReader reader) {
    this.reader = reader;
  }

  /** Adds the query routes over {@code reader} to {@code server}. */
  public static void register(ServerBuilder server, TraceReader reader) {
    requireNonNull(server, "server");
    QueryApi api = new QueryApi(requireNonNull(reader, "reader"));
    server.service("/api/traces/{traceId}", api.get(api::jaegerTrace));
    server.service("/api/services", api.get(ctx -> Reply.ok(envelope(api.services()))));
    server.service("/api/services/{service}/operations", api.get(api::jaegerServiceOperations));
    server.service("/api/operations", api.get(api::jaegerOperations));
    server.service("/api/v3/traces/{traceId}", api.get(api::v3Trace));
    server.service("/api/v3/services", api.get(ctx -> {
      ObjectNode o = NODES.objectNode();
      o.set("services", api.services());
      return Reply.ok(o);
    }));
    server.service("/api/v3/operations", api.get(api::v3Operations));
  }

  /** A JSON answer with its status. */
  record Reply(HttpStatus status, JsonNode body) {
    static Reply ok(JsonNode body) {
      return new Reply(HttpStatus.OK, body);
    }
  }

  @FunctionalInterface
  interface Handler {
    Reply handle(ServiceRequestContext ctx) throws QueryException;
  }

  /** A request the API refuses, with the status to answer. */
  static final class QueryException extends Exception {
    private static final long serialVersionUID = 1L;
    final HttpStatus status;

    QueryException(HttpStatus status, String message) {
      super(message);
      this.status = status;
    }
  }

  private HttpService get(Handler handler) {
    return (ctx, req) -> {
      if (req.method() != com.linecorp.armeria.common.HttpMethod.GET
          && req.method() != com.linecorp.armeria.common.HttpMethod.HEAD) {
        return json(new Reply(HttpStatus.METHOD_NOT_ALLOWED, error(HttpStatus.METHOD_NOT_ALLOWED,
            req.method() + " " + req.path() + " (expected: GET)")));
      }
      Supplier<HttpResponse> work = () -> {
        try {
          return json(handler.handle(ctx));
        } catch (QueryException e) {
          return json(new Reply(e.status, error(e.status, e.getMessage())));
        } catch (RuntimeException e) {
          log.warn("query {} failed", req.path(), e);
          return json(new Reply(HttpStatus.INTERNAL_SERVER_ERROR,
              error(HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(e.getMessage()))));
        }
      };
      // Storage reads block; keep them off the event loop.
      return HttpResponse.of(CompletableFuture.supplyAsync(work, ctx.blockingTaskExecutor()));
    };
  }

  private Reply jaegerTrace(ServiceRequestContext ctx) throws QueryException {
    Traces trace = findTrace(ctx.pathParam("traceId"));
    ArrayNode data = NODES.arrayNode();
    data.add(JaegerJson.trace(trace));
    return Reply.ok(envelope(data));
  }

  private Reply v3Trace(ServiceRequestContext ctx) throws QueryException {
    Traces trace = findTrace(ctx.pathParam("traceId"));
    TracesData data = TracesData.newBuilder().addAllResourceSpans(trace.resourceSpans()).build();
    ObjectNode o = NODES.objectNode();
    try {
      o.set("result", JSON.readTree(OtlpJson.encode(data)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return Reply.ok(o);
  }

  private Traces findTrace(String id) throws QueryException {
    TraceId traceId;
    try {
      traceId = TraceId.fromHex(id);
    } catch (IllegalArgumentException e) {
      throw new QueryException(HttpStatus.BAD_REQUEST, e.getMessage());
    }
    Optional<Traces> trace = reader.trace(traceId);
    if (trace.isEmpty()) {
      throw new QueryException(HttpStatus.NOT_FOUND, "trace not found: " + traceId.hex());
    }
    return trace.get();
  }

  private ArrayNode services() {
    ArrayNode a = NODES.arrayNode();
    reader.services().forEach(a::add);
    return a;
  }

  private Reply jaegerServiceOperations(ServiceRequestContext ctx) {
    ArrayNode a = NODES.arrayNode();
    reader.operations(ctx.pathParam("service"), null).stream()
        .map(Operation::name).distinct().forEach(a::add);
    return Reply.ok(envelope(a));
  }

  private Reply jaegerOperations(ServiceRequestContext ctx) throws QueryException {
    ArrayNode a = NODES.arrayNode();
    for (Operation op : operations(ctx, "service", "spanKind")) {
      a.addObject().put("name", op.name()).put("spanKind", op.spanKind());
    }
    return Reply.ok(envelope(a));
  }

  private Reply v3Operations(ServiceRequestContext ctx) throws QueryException {
    ObjectNode o = NODES.objectNode();
    ArrayNode a = o.putArray("operations");
    for (Operation op : operations(ctx, "service", "span_kind")) {
      a.addObject().put("name", op.name()).put("spanKind", op.spanKind());
    }
    return Reply.ok(o);
  }

  private List<Operation> operations(ServiceRequestContext ctx, String serviceParam, String kindParam)
      throws QueryException {
    String service = ctx.queryParam(serviceParam);
    if (service == null || service.isEmpty()) {
      throw new QueryException(HttpStatus.BAD_REQUEST, "parameter " + serviceParam + ": missing (expected: a service name)");
    }
    String kind = ctx.queryParam(kindParam);
    if (kind != null && kind.isEmpty()) {
      kind = null;
    }
    if (kind != null && !List.of("server", "client", "producer", "consumer", "internal").contains(kind)) {
      throw new QueryException(HttpStatus.BAD_REQUEST, "parameter " + kindParam + ": \"" + kind
          + "\" (expected: server, client, producer, consumer or internal)");
    }
    return reader.operations(service, kind);
  }

  private static ObjectNode envelope(ArrayNode data) {
    List<JsonNode> items = new java.util.ArrayList<>();
    data.forEach(items::add);
    return JaegerJson.envelope(items, items.size());
  }

  private static ObjectNode error(HttpStatus status, String message) {
    return JaegerJson.errorEnvelope(status.code(), message);
  }

  private static HttpResponse json(Reply r) {
    try {
      return HttpResponse.of(r.status(), MediaType.JSON_UTF_8, JSON.writeValueAsBytes(r.body()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
