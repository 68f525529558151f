package dev.skein.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.TraceId;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.search.TraceQuery;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jaeger's api_v3 over HTTP ({@code /api/v3}), as Jaeger v2's HTTP gateway serves it: traces as
 * OTLP/JSON {@code {"result": TracesData}}, errors as {@code {"error": {"httpCode", "message"}}}.
 * Search takes {@code query.service_name}, {@code query.operation_name},
 * {@code query.start_time_min} and {@code query.start_time_max} (RFC 3339, both required),
 * {@code query.duration_min}, {@code query.duration_max} (Go durations, of a span),
 * {@code query.num_traces}, and {@code query.attributes} (a JSON map of tags, as in Jaeger's v1
 * {@code tags}); a search that finds nothing is 404, as in Jaeger. When a trace had to be cut to
 * the span cap, a top-level {@code warnings} array says so.
 */
final class JaegerV3Api {
  /** The number of traces a search returns when {@code query.num_traces} is not given. */
  static final int DEFAULT_LIMIT = 20;

  private final Searcher searcher;

  private JaegerV3Api(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    JaegerV3Api api = new JaegerV3Api(searcher);
    server.service("/api/v3/traces/{traceId}", Http.get(Http.Style.V3, api::trace));
    server.service("/api/v3/traces", Http.get(Http.Style.V3, api::search));
    server.service("/api/v3/services", Http.get(Http.Style.V3, (ctx, req) -> {
      ObjectNode o = Http.NODES.objectNode();
      ArrayNode a = o.putArray("services");
      searcher.reader().services().forEach(a::add);
      return Http.ok(o);
    }));
    server.service("/api/v3/operations", Http.get(Http.Style.V3, api::operations));
  }

  private Http.Reply trace(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    TraceId id = JaegerApi.traceId(ctx.pathParam("traceId"));
    Params p = new Params(ctx);
    // Accepted and checked for compatibility; a trace is found by its ID alone.
    p.rfc3339("start_time");
    p.rfc3339("end_time");
    p.bool("raw_traces");
    List<String> warnings = new ArrayList<>();
    LimitedTrace trace = searcher.trace(id, warnings)
        .orElseThrow(() -> QueryException.notFound("trace not found: " + id.hex()));
    return Http.ok(result(List.of(trace), warnings));
  }

  private Http.Reply search(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.SEARCH, "search");
    Params p = new Params(ctx);
    QueryLimits limits = searcher.limits();
    Instant min = p.rfc3339("query.start_time_min");
    Instant max = p.rfc3339("query.start_time_max");
    if (min == null || max == null) {
      throw QueryException.badRequest("parameters query.start_time_min and query.start_time_max: missing"
          + " (expected: both, as RFC 3339 times such as 2024-05-01T12:00:00Z)");
    }
    TimeWindow w = TimeWindow.of(nanos(min), nanos(max), "query.start_time_min", "query.start_time_max",
        limits, "rfc3339");
    TraceQuery.Builder b = TraceQuery.builder().regexBudget(limits.regexBudget())
        .startMinNanos(w.startNanos()).startMaxNanos(w.endNanos());
    String service = p.get("query.service_name");
    if (service != null) {
      b.service(service);
    }
    String operation = p.get("query.operation_name");
    if (operation != null) {
      b.operation(operation);
    }
    Duration dmin = p.goDuration("query.duration_min");
    Duration dmax = p.goDuration("query.duration_max");
    if (dmin != null && dmax != null && dmax.compareTo(dmin) < 0) {
      throw QueryException.badParameter("query.duration_max", p.get("query.duration_max"),
          "a duration not shorter than query.duration_min, " + p.get("query.duration_min"));
    }
    if (dmin != null) {
      b.minSpanDuration(dmin);
    }
    if (dmax != null) {
      b.maxSpanDuration(dmax);
    }
    String attributes = p.get("query.attributes");
    if (attributes != null) {
      for (Map.Entry<String, String> e : TagFilters.jsonMap("query.attributes", attributes).entrySet()) {
        b.span(TagFilters.equal("query.attributes", e.getKey(), e.getValue()));
      }
    }
    b.limit(p.limit("query.num_traces", DEFAULT_LIMIT, limits.maxTracesPerSearch()));
    Searcher.Page page = searcher.search(b.build(), null, false);
    List<String> warnings = new ArrayList<>();
    List<LimitedTrace> traces = new ArrayList<>();
    searcher.traces(page.hits().stream().map(h -> h.summary().traceId()).toList()).forEach((id, lt) -> {
      traces.add(lt);
      warnings.addAll(searcher.warnings(id, lt));
    });
    if (traces.isEmpty()) {
      throw QueryException.notFound("No traces found");
    }
    return Http.ok(result(traces, warnings));
  }

  private Http.Reply operations(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    ObjectNode o = Http.NODES.objectNode();
    ArrayNode a = o.putArray("operations");
    for (Operation op : JaegerApi.operations(searcher, new Params(ctx), "service", "span_kind")) {
      a.addObject().put("name", op.name()).put("spanKind", op.spanKind());
    }
    return Http.ok(o);
  }

  private static ObjectNode result(List<LimitedTrace> traces, List<String> warnings) {
    TracesData.Builder data = TracesData.newBuilder();
    for (LimitedTrace t : traces) {
      data.addAllResourceSpans(t.spans().resourceSpans());
    }
    ObjectNode o = Http.NODES.objectNode();
    o.set("result", Http.tree(OtlpJson.encode(data)));
    if (!warnings.isEmpty()) {
      ArrayNode w = o.putArray("warnings");
      warnings.forEach(w::add);
    }
    return o;
  }

  private static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }
}
