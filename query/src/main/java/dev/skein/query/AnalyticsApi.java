package dev.skein.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.GoDuration;
import dev.skein.model.TraceId;
import dev.skein.query.explain.Explainer;
import dev.skein.query.explain.Explanation;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Skein's analytics endpoints in Jaeger's error envelope: rate, errors and duration
 * ({@code GET /api/skein/red}) and the explanation of one trace
 * ({@code GET /api/skein/traces/{traceId}/explain}). Times in requests are microseconds since the
 * epoch, in answers milliseconds; durations in answers are milliseconds.
 */
final class AnalyticsApi {
  static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
  static final int DEFAULT_BUCKETS = 60;
  static final int MAX_BUCKETS = 10_000;
  private static final long SECOND = 1_000_000_000L;
  private static final String MICROS = "microseconds since the epoch";

  private final Searcher searcher;

  private AnalyticsApi(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    AnalyticsApi api = new AnalyticsApi(searcher);
    server.service("/api/skein/red", Http.get(Http.Style.JAEGER, api::red));
    server.service("/api/skein/traces/{traceId}/explain", Http.get(Http.Style.JAEGER, api::explain));
  }

  // ------------------------------------------------------------------ RED

  private Http.Reply red(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.ANALYTICS, "rate, errors and duration");
    Params p = new Params(ctx);
    String service = p.get("service");
    String operation = p.get("operation");
    Span.SpanKind kind = p.spanKind("spanKind", List.of("server", "client", "producer", "consumer", "internal"),
        "server, client, producer, consumer or internal");
    String groupBy = p.get("groupBy");
    if (groupBy != null && !groupBy.equals("service") && !groupBy.equals("operation")) {
      throw QueryException.badParameter("groupBy", groupBy, "service or operation");
    }
    boolean byOperation = "operation".equals(groupBy);
    Long endParam = p.epoch("end", 1_000, MICROS);
    Long startParam = p.epoch("start", 1_000, MICROS);
    long end = endParam != null ? endParam : System.currentTimeMillis() * 1_000_000L;
    long start = startParam != null ? startParam : Math.max(0, end - DEFAULT_WINDOW.toNanos());
    TimeWindow w = window(start, end, "start", "end");
    long span = w.endNanos() - w.startNanos();
    Duration stepParam = p.goDuration("step");
    long step;
    if (stepParam == null) {
      long seconds = (span + DEFAULT_BUCKETS * SECOND - 1) / (DEFAULT_BUCKETS * SECOND);
      step = Math.max(1, seconds) * SECOND;
    } else {
      step = stepParam.toNanos();
      if (step <= 0) {
        throw QueryException.badParameter("step", p.get("step"), "a positive duration such as 1m or 30s");
      }
      if ((span + step - 1) / step > MAX_BUCKETS) {
        throw QueryException.badParameter("step", p.get("step"), "at most " + MAX_BUCKETS
            + " buckets over the window; a step of at least " + GoDuration.format(Duration.ofNanos((span + MAX_BUCKETS - 1) / MAX_BUCKETS)));
      }
    }
    List<RedPoint> totals = searcher.reader().red(new RedQuery(service, operation, kind, byOperation,
        w.startNanos(), w.endNanos(), span));
    List<RedPoint> points = searcher.reader().red(new RedQuery(service, operation, kind, byOperation,
        w.startNanos(), w.endNanos(), step));

    Comparator<String> nullsFirst = Comparator.nullsFirst(Comparator.naturalOrder());
    Map<List<String>, RedPoint> totalByGroup = new HashMap<>();
    for (RedPoint t : totals) {
      totalByGroup.put(group(t), t);
    }
    Map<List<String>, List<RedPoint>> pointsByGroup = new LinkedHashMap<>();
    for (RedPoint pt : points) {
      pointsByGroup.computeIfAbsent(group(pt), g -> new ArrayList<>()).add(pt);
    }
    List<List<String>> groups = new ArrayList<>(totalByGroup.keySet());
    for (List<String> g : pointsByGroup.keySet()) {
      if (!totalByGroup.containsKey(g)) {
        groups.add(g);
      }
    }
    groups.sort(Comparator.<List<String>, String>comparing(g -> g.get(0), nullsFirst)
        .thenComparing(g -> g.get(1), nullsFirst));

    ObjectNode out = Http.NODES.objectNode();
    millis(out, "start", w.startNanos());
    millis(out, "end", w.endNanos());
    millis(out, "stepMs", step);
    ArrayNode array = out.putArray("groups");
    double seconds = span / 1e9;
    for (List<String> g : groups) {
      ObjectNode o = array.addObject();
      o.put("service", g.get(0));
      o.put("operation", g.get(1));
      RedPoint t = totalByGroup.get(g);
      long calls = t == null ? 0 : t.calls();
      long errors = t == null ? 0 : t.errors();
      ObjectNode tot = o.putObject("totals");
      tot.put("calls", calls).put("errors", errors).put("errorRate", calls == 0 ? 0.0 : (double) errors / calls)
          .put("ratePerSecond", calls / seconds);
      millis(tot, "p50Ms", t == null ? 0 : t.p50Nanos());
      millis(tot, "p95Ms", t == null ? 0 : t.p95Nanos());
      millis(tot, "p99Ms", t == null ? 0 : t.p99Nanos());
      millis(tot, "maxMs", t == null ? 0 : t.maxNanos());
      ArrayNode pts = o.putArray("points");
      for (RedPoint pt : pointsByGroup.getOrDefault(g, List.of())) {
        ObjectNode po = pts.addObject();
        millis(po, "t", pt.bucketStartNanos());
        po.put("calls", pt.calls()).put("errors", pt.errors());
        millis(po, "p50Ms", pt.p50Nanos());
        millis(po, "p95Ms", pt.p95Nanos());
        millis(po, "p99Ms", pt.p99Nanos());
      }
    }
    return Http.ok(out);
  }

  private static List<String> group(RedPoint p) {
    return Arrays.asList(p.service(), p.operation());
  }

  /** [{@code start}, {@code end}), checked: not empty, not longer than the limits allow. */
  private TimeWindow window(long start, long end, String startName, String endName) throws QueryException {
    if (end <= start) {
      throw QueryException.badRequest("parameter " + endName + ": " + end / 1_000 + " (expected: after "
          + startName + ", " + start / 1_000 + ")");
    }
    return TimeWindow.of(start, end, startName, endName, searcher.limits(), "us");
  }

  // ------------------------------------------------------------------ explain

  private Http.Reply explain(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    TraceId id = JaegerApi.traceId(ctx.pathParam("traceId"));
    Params p = new Params(ctx);
    Long startParam = p.epoch("baselineStart", 1_000, MICROS);
    Long endParam = p.epoch("baselineEnd", 1_000, MICROS);
    List<String> warnings = new ArrayList<>();
    LimitedTrace trace = searcher.trace(id, warnings)
        .orElseThrow(() -> QueryException.notFound("trace not found: " + id.hex()));
    Explainer explainer = Explainer.of(trace.spans());
    long hour = DEFAULT_WINDOW.toNanos();
    long start;
    long end;
    if (startParam == null && endParam == null) {
      end = System.currentTimeMillis() * 1_000_000L;
      start = end - hour;
      if (explainer.startNanos() < start || explainer.startNanos() >= end) {
        end = explainer.endNanos();
        start = end - hour;
      }
    } else if (startParam == null) {
      end = endParam;
      start = Math.max(0, end - hour);
    } else {
      start = startParam;
      end = endParam != null ? endParam : start + hour;
    }
    TimeWindow w = window(start, end, "baselineStart", "baselineEnd");
    Map<OperationKey, Baseline> baselines = new HashMap<>();
    if (searcher.reader().capabilities().supports(Capability.ANALYTICS)) {
      for (Baseline b : searcher.reader().baselines(explainer.operations(), w.startNanos(), w.endNanos(), id)) {
        baselines.put(b.operation(), b);
      }
    } else {
      warnings.add("the storage backend does not support baselines (capability " + Capability.ANALYTICS
          + "); spans are not compared with their usual durations");
    }
    return Http.ok(render(explainer.explain(baselines, warnings), w));
  }

  private static ObjectNode render(Explanation x, TimeWindow baselineWindow) {
    ObjectNode out = Http.NODES.objectNode();
    out.put("traceID", x.traceId());
    millis(out, "durationMs", x.durationNanos());
    out.put("spanCount", x.spanCount());
    out.put("rootService", x.rootService());
    out.put("rootOperation", x.rootOperation());
    ObjectNode bw = out.putObject("baselineWindow");
    millis(bw, "start", baselineWindow.startNanos());
    millis(bw, "end", baselineWindow.endNanos());
    ArrayNode spans = out.putArray("spans");
    for (Explanation.ExplainedSpan s : x.spans()) {
      ObjectNode o = spans.addObject();
      o.put("spanID", s.spanId());
      o.put("parentSpanID", s.parentSpanId());
      o.put("service", s.service());
      o.put("operation", s.operation());
      millis(o, "startMs", s.startOffsetNanos());
      millis(o, "durationMs", s.durationNanos());
      millis(o, "selfMs", s.selfNanos());
      millis(o, "criticalMs", s.criticalNanos());
      o.put("onCriticalPath", s.onCriticalPath());
      o.put("error", s.error());
      Baseline b = s.baseline();
      if (b == null) {
        o.putNull("baseline");
      } else {
        ObjectNode bo = o.putObject("baseline");
        bo.put("count", b.count());
        millis(bo, "p50Ms", b.p50Nanos());
        millis(bo, "p99Ms", b.p99Nanos());
        bo.put("percentileRank", b.percentileRank(s.durationNanos()));
      }
    }
    ArrayNode path = out.putArray("criticalPath");
    for (Explanation.Section s : x.criticalPath()) {
      ObjectNode o = path.addObject();
      o.put("spanID", s.spanId()).put("service", s.service()).put("operation", s.operation());
      millis(o, "startMs", s.startOffsetNanos());
      millis(o, "endMs", s.endOffsetNanos());
    }
    ObjectNode errors = out.putObject("errors");
    errors.put("count", x.errorCount());
    Explanation.ErrorOrigin origin = x.errorOrigin();
    if (origin == null) {
      errors.putNull("origin");
    } else {
      ObjectNode o = errors.putObject("origin");
      o.put("spanID", origin.spanId()).put("service", origin.service()).put("operation", origin.operation())
          .put("statusMessage", origin.statusMessage());
      Explanation.RecordedException e = origin.exception();
      if (e == null) {
        o.putNull("exception");
      } else {
        o.putObject("exception").put("type", e.type()).put("message", e.message()).put("stacktrace", e.stacktrace());
      }
    }
    ArrayNode causes = out.putArray("causes");
    for (Explanation.Cause c : x.causes()) {
      causes.addObject().put("kind", c.kind().json()).put("spanID", c.spanId()).put("service", c.service())
          .put("operation", c.operation()).put("score", c.score()).put("text", c.text());
    }
    ArrayNode warnings = out.putArray("warnings");
    x.warnings().forEach(warnings::add);
    return out;
  }

  /** Puts nanoseconds as milliseconds: a whole number when exact, else a fraction. */
  static void millis(ObjectNode o, String field, long nanos) {
    if (nanos % 1_000_000L == 0) {
      o.put(field, nanos / 1_000_000L);
    } else {
      o.put(field, nanos / 1e6);
    }
  }
}
