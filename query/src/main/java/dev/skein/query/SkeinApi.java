package dev.skein.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Hex;
import dev.skein.query.traceql.SpanRef;
import dev.skein.query.traceql.TraceQlQuery;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Skein's own search, {@code GET /api/skein/search}: trace summaries rather than whole traces, in a
 * chosen order over the whole time range, with stable cursor paging. It takes Jaeger's span
 * filters ({@code service}, {@code operation}, {@code spanKind}, the tag parameters of
 * {@link TagFilters}, {@code minSpanDuration}, {@code maxSpanDuration}), a TraceQL query
 * ({@code q}), and trace-level {@code minDuration}, {@code maxDuration}, {@code start} and
 * {@code end} (microseconds), {@code limit}, {@code order} and {@code cursor}. Errors use Jaeger's
 * envelope, like the rest of {@code /api}.
 */
final class SkeinApi {
  static final int DEFAULT_LIMIT = 20;

  private final Searcher searcher;

  private SkeinApi(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    server.service("/api/skein/search", Http.get(Http.Style.JAEGER, new SkeinApi(searcher)::search));
  }

  private Http.Reply search(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.SEARCH, "search");
    Params p = new Params(ctx);
    QueryLimits limits = searcher.limits();
    TraceQuery.Builder b = TraceQuery.builder().regexBudget(limits.regexBudget());
    if (p.get("service") != null) {
      b.service(p.get("service"));
    }
    if (p.get("operation") != null) {
      b.operation(p.get("operation"));
    }
    Span.SpanKind kind = p.spanKind("spanKind", List.of("server", "client", "producer", "consumer", "internal",
        "unspecified"), "server, client, producer, consumer, internal or unspecified");
    if (kind != null) {
      b.spanKind(kind);
    }
    for (SpanCondition c : TagFilters.fromJaegerParams(p)) {
      b.span(c);
    }
    Duration minSpan = p.goDuration("minSpanDuration");
    Duration maxSpan = p.goDuration("maxSpanDuration");
    if (minSpan != null) {
      b.minSpanDuration(minSpan);
    }
    if (maxSpan != null) {
      b.maxSpanDuration(maxSpan);
    }
    Duration min = p.goDuration("minDuration");
    Duration max = p.goDuration("maxDuration");
    if (min != null && max != null && max.compareTo(min) < 0) {
      throw QueryException.badParameter("maxDuration", p.get("maxDuration"),
          "a duration not shorter than minDuration, " + p.get("minDuration"));
    }
    if (min != null) {
      b.minDuration(min);
    }
    if (max != null) {
      b.maxDuration(max);
    }
    TraceQlQuery traceQl = null;
    String q = p.get("q");
    if (q != null) {
      traceQl = TempoApi.parse("q", q);
      if (traceQl.condition() != null) {
        b.where(traceQl.condition());
      }
    }
    TimeWindow w = TimeWindow.of(p.epoch("start", 1_000, "microseconds since the epoch"),
        p.epoch("end", 1_000, "microseconds since the epoch"), "start", "end", limits, "us");
    b.startMinNanos(w.startNanos()).startMaxNanos(w.endNanos());
    Order order = p.order("order");
    Cursor cursor = p.cursor("cursor", order);
    b.limit(p.limit("limit", DEFAULT_LIMIT, limits.maxTracesPerSearch())).order(order).cursor(cursor);

    Searcher.Page page = searcher.search(b.build(), traceQl, traceQl != null);
    ObjectNode out = Http.NODES.objectNode();
    ArrayNode traces = out.putArray("traces");
    for (Searcher.Hit hit : page.hits()) {
      TraceSummary s = hit.summary();
      ObjectNode t = traces.addObject();
      t.put("traceID", s.traceId().hex());
      t.put("rootServiceName", s.rootService());
      t.put("rootSpanName", s.rootName());
      t.put("startTimeUnixNano", Long.toString(s.startNanos()));
      t.put("durationNanos", Long.toString(s.durationNanos()));
      t.put("spanCount", s.spanCount());
      t.put("errorCount", s.errorCount());
      ArrayNode services = t.putArray("services");
      for (Map.Entry<String, Integer> e : s.spansByService().entrySet()) {
        services.addObject().put("name", e.getKey()).put("spanCount", e.getValue());
      }
      if (hit.matched() != null) {
        ArrayNode matched = t.putArray("matchedSpanIDs");
        for (SpanRef r : hit.matched()) {
          matched.add(Hex.encode(r.span().getSpanId()));
        }
      }
    }
    if (page.next() != null) {
      out.put("nextCursor", page.next().encode());
    } else {
      out.putNull("nextCursor");
    }
    ArrayNode warnings = out.putArray("warnings");
    page.warnings().forEach(warnings::add);
    return Http.ok(out);
  }
}
