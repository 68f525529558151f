package dev.skein.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.wire.jaeger.JaegerJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Jaeger's query API v1 ({@code /api}), with the parameters, units and JSON of Jaeger's
 * {@code cmd/query}: search ({@code /api/traces}), a trace by ID, services, operations and
 * dependencies. Skein adds {@code order} and {@code cursor} to search (answered with
 * {@code nextCursor}), makes {@code service} optional, and adds the tag filters of
 * {@link TagFilters}.
 *
 * <p>{@code GET /api/traces/{id}} is also Tempo's trace-by-ID path. Jaeger's JSON stays the
 * answer unless the request's {@code Accept} asks for {@code application/protobuf}, which is how
 * Grafana's Tempo data source asks; then the answer is the trace as OTLP protobuf, as Tempo sends
 * it. Tempo's JSON is at {@code /api/v2/traces/{id}}.
 */
final class JaegerApi {
  /** Jaeger's default number of traces a search returns. */
  static final int DEFAULT_LIMIT = 100;
  private static final Duration DEFAULT_DEPENDENCY_LOOKBACK = Duration.ofDays(1);

  private final Searcher searcher;

  private JaegerApi(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    JaegerApi api = new JaegerApi(searcher);
    server.service("/api/traces", Http.get(Http.Style.JAEGER, api::search));
    server.service("/api/traces/{traceId}", Http.get(Http.Style.JAEGER, api::trace));
    server.service("/api/services", Http.get(Http.Style.JAEGER, (ctx, req) -> Http.ok(api.services())));
    server.service("/api/services/{service}/operations", Http.get(Http.Style.JAEGER, api::serviceOperations));
    server.service("/api/operations", Http.get(Http.Style.JAEGER, api::operations));
    server.service("/api/dependencies", Http.get(Http.Style.JAEGER, api::dependencies));
  }

  private Http.Reply trace(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    TraceId id = traceId(ctx.pathParam("traceId"));
    List<String> warnings = new ArrayList<>();
    LimitedTrace trace = searcher.trace(id, warnings)
        .orElseThrow(() -> QueryException.notFound("trace not found: " + id.hex()));
    if (wantsProtobuf(req)) {
      byte[] body = TracesData.newBuilder().addAllResourceSpans(trace.spans().resourceSpans()).build().toByteArray();
      return new Http.Bytes(HttpStatus.OK, MediaType.PROTOBUF, body);
    }
    ArrayNode data = Http.NODES.arrayNode();
    data.add(jaegerTrace(trace.spans(), warnings));
    return Http.ok(envelope(data, 0));
  }

  /** Whether the client asks for protobuf, as Tempo's clients do. */
  static boolean wantsProtobuf(HttpRequest req) {
    String accept = req.headers().get("accept");
    return accept != null && (accept.contains("application/protobuf") || accept.contains("application/x-protobuf"));
  }

  private Http.Reply search(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    Params p = new Params(ctx);
    List<String> ids = p.all("traceID");
    if (!ids.isEmpty()) {
      return tracesById(ids);
    }
    searcher.require(Capability.SEARCH, "search");
    QueryLimits limits = searcher.limits();
    TraceQuery.Builder b = TraceQuery.builder().regexBudget(limits.regexBudget());
    String service = p.get("service");
    if (service != null) {
      b.service(service);
    }
    String operation = p.get("operation");
    if (operation != null) {
      b.operation(operation);
    }
    for (SpanCondition c : TagFilters.fromJaegerParams(p)) {
      b.span(c);
    }
    Duration min = p.goDuration("minDuration");
    Duration max = p.goDuration("maxDuration");
    if (min != null && max != null && max.compareTo(min) < 0) {
      throw QueryException.badParameter("maxDuration", p.get("maxDuration"),
          "a duration not shorter than minDuration, " + p.get("minDuration"));
    }
    if (min != null) {
      b.minSpanDuration(min);
    }
    if (max != null) {
      b.maxSpanDuration(max);
    }
    TimeWindow w = TimeWindow.of(p.epoch("start", 1_000, "microseconds since the epoch"),
        p.epoch("end", 1_000, "microseconds since the epoch"), "start", "end", limits, "us");
    b.startMinNanos(w.startNanos()).startMaxNanos(w.endNanos());
    int limit = p.limit("limit", DEFAULT_LIMIT, limits.maxTracesPerSearch());
    Order order = p.order("order");
    Cursor cursor = p.cursor("cursor", order);
    TraceQuery query = b.limit(limit).order(order).cursor(cursor).build();

    Searcher.Page page = searcher.search(query, null, false);
    ArrayNode data = Http.NODES.arrayNode();
    // A trace deleted by retention since the search is left out.
    searcher.traces(page.hits().stream().map(h -> h.summary().traceId()).toList())
        .forEach((id, lt) -> data.add(jaegerTrace(lt.spans(), searcher.warnings(id, lt))));
    ObjectNode out = envelope(data, 0);
    out.put("limit", limit);
    if (page.next() != null) {
      out.put("nextCursor", page.next().encode());
    }
    return Http.ok(out);
  }

  /** Jaeger's answer to {@code traceID=...}: the traces found, and an error per trace that is not. */
  private Http.Reply tracesById(List<String> hexIds) throws QueryException {
    List<TraceId> ids = new ArrayList<>();
    for (String hex : hexIds) {
      try {
        ids.add(TraceId.fromHex(hex));
      } catch (IllegalArgumentException e) {
        throw QueryException.badParameter("traceID", hex, "1 to 32 hexadecimal characters, not all zero");
      }
    }
    ArrayNode data = Http.NODES.arrayNode();
    ArrayNode errors = Http.NODES.arrayNode();
    Map<TraceId, LimitedTrace> found = searcher.traces(ids);
    for (TraceId id : new LinkedHashSet<>(ids)) {
      LimitedTrace t = found.get(id);
      if (t != null) {
        data.add(jaegerTrace(t.spans(), searcher.warnings(id, t)));
      } else {
        errors.addObject().put("code", 404).put("msg", "trace not found").put("traceID", id.hex());
      }
    }
    ObjectNode out = envelope(data, 0);
    if (!errors.isEmpty()) {
      out.set("errors", errors);
    }
    return Http.ok(out);
  }

  private Http.Reply dependencies(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.DEPENDENCIES, "dependencies");
    Params p = new Params(ctx);
    Long end = p.epoch("endTs", 1_000_000, "milliseconds since the epoch");
    Long lookback = p.integer("lookback", "a positive number of milliseconds");
    if (lookback != null && lookback <= 0) {
      throw QueryException.badParameter("lookback", p.get("lookback"), "a positive number of milliseconds");
    }
    long endNanos = end != null ? end : System.currentTimeMillis() * 1_000_000L;
    long lookbackNanos = lookback != null ? Math.multiplyExact(lookback, 1_000_000L)
        : DEFAULT_DEPENDENCY_LOOKBACK.toNanos();
    TimeWindow w = TimeWindow.of(Math.max(0, endNanos - lookbackNanos), endNanos, "lookback", "endTs",
        searcher.limits(), "ms");
    List<JsonNode> data = new ArrayList<>();
    for (DependencyLink l : searcher.reader().dependencies(w.startNanos(), w.endNanos())) {
      data.add(Http.NODES.objectNode().put("parent", l.parent()).put("child", l.child())
          .put("callCount", l.callCount()).put("errorCount", l.errorCount()));
    }
    return Http.ok(JaegerJson.envelope(data, 0));
  }

  private ObjectNode services() {
    ArrayNode a = Http.NODES.arrayNode();
    searcher.reader().services().forEach(a::add);
    return envelope(a, a.size());
  }

  private Http.Reply serviceOperations(ServiceRequestContext ctx, HttpRequest req) {
    ArrayNode a = Http.NODES.arrayNode();
    searcher.reader().operations(ctx.pathParam("service"), null).stream()
        .map(Operation::name).distinct().forEach(a::add);
    return Http.ok(envelope(a, a.size()));
  }

  private Http.Reply operations(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    ArrayNode a = Http.NODES.arrayNode();
    for (Operation op : operations(searcher, new Params(ctx), "service", "spanKind")) {
      a.addObject().put("name", op.name()).put("spanKind", op.spanKind());
    }
    return Http.ok(envelope(a, a.size()));
  }

  static List<Operation> operations(Searcher searcher, Params p, String serviceParam, String kindParam)
      throws QueryException {
    String service = p.get(serviceParam);
    if (service == null) {
      throw QueryException.badRequest("parameter " + serviceParam + ": missing (expected: a service name)");
    }
    String kind = p.get(kindParam);
    if (kind != null && !List.of("server", "client", "producer", "consumer", "internal").contains(kind)) {
      throw QueryException.badParameter(kindParam, kind, "server, client, producer, consumer or internal");
    }
    return searcher.reader().operations(service, kind);
  }

  static TraceId traceId(String hex) throws QueryException {
    try {
      return TraceId.fromHex(hex);
    } catch (IllegalArgumentException e) {
      throw QueryException.badRequest(e.getMessage());
    }
  }

  /** A trace in Jaeger's JSON, with the warnings Jaeger's trace object carries. */
  static ObjectNode jaegerTrace(Traces spans, List<String> warnings) {
    ObjectNode t = JaegerJson.trace(spans);
    if (!warnings.isEmpty()) {
      ArrayNode w = t.putArray("warnings");
      warnings.forEach(w::add);
    }
    return t;
  }

  private static ObjectNode envelope(ArrayNode data, int total) {
    List<JsonNode> items = new ArrayList<>(data.size());
    data.forEach(items::add);
    return JaegerJson.envelope(items, total);
  }
}
