package dev.skein.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.TraceId;
import dev.skein.query.traceql.SpanRef;
import dev.skein.query.traceql.TraceQl;
import dev.skein.query.traceql.TraceQlException;
import dev.skein.query.traceql.TraceQlQuery;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.SpanKinds;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.Regexes;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.Value;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tempo's query API: trace by ID ({@code /api/v2/traces/{id}}; {@code /api/traces/{id}} with
 * {@code Accept: application/protobuf} is served by {@link JaegerApi}), search with TraceQL or
 * tags ({@code /api/search}), tag names and values ({@code /api/v2/search/tags},
 * {@code /api/v2/search/tag/{tag}/values}) and {@code /api/echo}. Errors are plain text, as
 * Tempo's. Unlike Tempo, search returns the first traces in a defined order ({@code order},
 * default newest) and pages with {@code cursor}/{@code nextCursor}.
 */
final class TempoApi {
  static final int DEFAULT_LIMIT = 20;
  static final int DEFAULT_SPANS_PER_SPANSET = 3;
  static final String NO_ROOT = "<root span not yet received>";
  /** The intrinsics Skein's TraceQL knows, as Tempo lists them. */
  static final List<String> INTRINSICS = List.of("duration", "event:name", "kind", "name", "rootName",
      "rootServiceName", "span:duration", "span:kind", "span:name", "span:status", "span:statusMessage",
      "status", "statusMessage", "trace:duration", "trace:rootName", "trace:rootService", "traceDuration");
  /** Conditions of an incomplete query, as Grafana sends while a user types: {@code name op value}. */
  private static final Pattern MATCHER = Pattern.compile(
      "([\\w.:-]*[\\w\"]|\\.[\\w.-]+)\\s*(=~|!~|!=|>=|<=|=|>|<)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[\\w.:-]+)");

  private final Searcher searcher;

  private TempoApi(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    TempoApi api = new TempoApi(searcher);
    server.service("/api/v2/traces/{traceId}", Http.get(Http.Style.TEMPO, api::trace));
    server.service("/api/search", Http.get(Http.Style.TEMPO, api::search));
    server.service("/api/v2/search/tags", Http.get(Http.Style.TEMPO, api::tags));
    server.service("/api/v2/search/tag/{tag}/values", Http.get(Http.Style.TEMPO, api::tagValues));
    server.service("/api/echo", Http.get(Http.Style.TEMPO, (ctx, req) ->
        new Http.Bytes(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "echo".getBytes(StandardCharsets.UTF_8))));
  }

  private Http.Reply trace(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    TraceId id = JaegerApi.traceId(ctx.pathParam("traceId"));
    Params p = new Params(ctx);
    p.epoch("start", 1_000_000_000L, "seconds since the epoch");
    p.epoch("end", 1_000_000_000L, "seconds since the epoch");
    List<String> warnings = new ArrayList<>();
    LimitedTrace trace = searcher.trace(id, warnings)
        .orElseThrow(() -> QueryException.notFound("trace not found"));
    TracesData data = TracesData.newBuilder().addAllResourceSpans(trace.spans().resourceSpans()).build();
    String message = warnings.isEmpty() ? null : String.join("; ", warnings);
    if (JaegerApi.wantsProtobuf(req)) {
      return new Http.Bytes(HttpStatus.OK, MediaType.PROTOBUF, traceByIdResponse(data, message));
    }
    ObjectNode o = Http.NODES.objectNode();
    o.set("trace", Http.tree(OtlpJson.encode(data)));
    if (message != null) {
      o.put("status", "PARTIAL");
      o.put("message", message);
    }
    return Http.ok(o);
  }

  /** Tempo's {@code TraceByIDResponse}: trace = 1 (the same bytes as TracesData), status = 3, message = 4. */
  private static byte[] traceByIdResponse(TracesData data, @Nullable String message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeBytes(1, data.toByteString());
      if (message != null) {
        out.writeEnum(3, 1);
        out.writeString(4, message);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private Http.Reply search(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.SEARCH, "search");
    Params p = new Params(ctx);
    QueryLimits limits = searcher.limits();
    String q = p.get("q");
    String tags = p.get("tags");
    if (q != null && tags != null) {
      throw QueryException.badRequest("parameters q and tags: both given (expected: one of them, as in Tempo)");
    }
    TraceQuery.Builder b = TraceQuery.builder().regexBudget(limits.regexBudget());
    TraceQlQuery traceQl = null;
    if (q != null) {
      traceQl = parse("q", q);
      if (traceQl.condition() != null) {
        b.where(traceQl.condition());
      }
    }
    if (tags != null) {
      for (Map.Entry<String, String> e : Logfmt.parse(tags).entrySet()) {
        b.span(tag(e.getKey(), e.getValue()));
      }
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
    Long start = p.epoch("start", 1_000_000_000L, "seconds since the epoch");
    Long end = p.epoch("end", 1_000_000_000L, "seconds since the epoch");
    // The end second is included whole.
    TimeWindow w = TimeWindow.of(start, end == null ? null : end + 999_999_999L, "start", "end", limits, "s");
    b.startMinNanos(w.startNanos()).startMaxNanos(w.endNanos());
    int limit = p.limit("limit", DEFAULT_LIMIT, limits.maxTracesPerSearch());
    int spss = p.limit("spss", DEFAULT_SPANS_PER_SPANSET, limits.maxSpansPerTrace());
    Order order = p.order("order");
    Cursor cursor = p.cursor("cursor", order);
    Searcher.Page page = searcher.search(b.limit(limit).order(order).cursor(cursor).build(), traceQl, traceQl != null);

    ObjectNode out = Http.NODES.objectNode();
    ArrayNode traces = out.putArray("traces");
    for (Searcher.Hit hit : page.hits()) {
      traces.add(traceJson(hit, traceQl, spss));
    }
    out.putObject("metrics").put("inspectedTraces", page.inspected()).put("completedJobs", 1).put("totalJobs", 1);
    if (page.next() != null) {
      out.put("nextCursor", page.next().encode());
    }
    if (!page.warnings().isEmpty()) {
      ArrayNode w2 = out.putArray("warnings");
      page.warnings().forEach(w2::add);
    }
    return Http.ok(out);
  }

  /**
   * A tag of Tempo's tag search: {@code name}, {@code status.code}, {@code root.name},
   * {@code root.service.name} and {@code service.name} are span fields; any other key is a span or
   * resource attribute. The value matches as a case-insensitive substring of the text, except
   * {@code status.code} ({@code ok}, {@code error}, {@code unset}).
   */
  private static SpanCondition tag(String key, String value) throws QueryException {
    if (key.equals("status.code")) {
      for (StatusCode c : List.of(StatusCode.STATUS_CODE_OK, StatusCode.STATUS_CODE_ERROR, StatusCode.STATUS_CODE_UNSET)) {
        if (c.name().equals("STATUS_CODE_" + value.toUpperCase(Locale.ROOT))) {
          return SpanCondition.compare(Intrinsic.STATUS, Comparison.EQ, Value.status(c));
        }
      }
      throw QueryException.badParameter("tags", key + "=" + value, "status.code of ok, error or unset");
    }
    String contains = "(?i:.*" + Regexes.quote(value) + ".*)";
    switch (key) {
      case "name": return SpanCondition.compare(Intrinsic.NAME, Comparison.MATCHES, Value.string(contains));
      case "root.name": return SpanCondition.compare(Intrinsic.ROOT_NAME, Comparison.MATCHES, Value.string(contains));
      case "root.service.name":
        return SpanCondition.compare(Intrinsic.ROOT_SERVICE, Comparison.MATCHES, Value.string(contains));
      case "service.name": return SpanCondition.compare(Intrinsic.SERVICE, Comparison.MATCHES, Value.string(contains));
      default: return SpanCondition.compare(Attribute.any(key), Comparison.MATCHES, Value.text(contains));
    }
  }

  private ObjectNode traceJson(Searcher.Hit hit, @Nullable TraceQlQuery traceQl, int spss) {
    TraceSummary s = hit.summary();
    ObjectNode t = Http.NODES.objectNode();
    t.put("traceID", s.traceId().hex());
    t.put("rootServiceName", s.rootService() == null ? NO_ROOT : s.rootService());
    if (s.rootName() != null) {
      t.put("rootTraceName", s.rootName());
    }
    t.put("startTimeUnixNano", Long.toString(s.startNanos()));
    t.put("durationMs", s.durationNanos() / 1_000_000L);
    if (hit.matched() != null) {
      ObjectNode set = Http.NODES.objectNode();
      ArrayNode spans = set.putArray("spans");
      for (SpanRef r : hit.matched().subList(0, Math.min(spss, hit.matched().size()))) {
        spans.add(spanJson(r, traceQl));
      }
      set.put("matched", hit.matched().size());
      t.set("spanSet", set);
      t.putArray("spanSets").add(set.deepCopy());
    }
    ObjectNode stats = t.putObject("serviceStats");
    s.spansByService().forEach((service, n) -> stats.putObject(service).put("spanCount", n));
    return t;
  }

  /** A matched span: ID, name, times, and the attributes the query looked at or selected. */
  private static ObjectNode spanJson(SpanRef r, @Nullable TraceQlQuery traceQl) {
    Span span = r.span();
    ObjectNode o = Http.NODES.objectNode();
    o.put("spanID", Hex.encode(span.getSpanId()));
    o.put("name", span.getName());
    o.put("startTimeUnixNano", Long.toString(span.getStartTimeUnixNano()));
    o.put("durationNanos", Long.toString(span.getEndTimeUnixNano() - span.getStartTimeUnixNano()));
    ArrayNode attributes = o.putArray("attributes");
    Set<Field> fields = new LinkedHashSet<>();
    fields.add(Attribute.resource("service.name"));
    if (traceQl != null) {
      fields.addAll(traceQl.referenced());
      fields.addAll(traceQl.selected());
    }
    Map<String, AnyValue> shown = new LinkedHashMap<>();
    for (Field f : fields) {
      if (f instanceof Attribute) {
        Attribute a = (Attribute) f;
        AnyValue v = null;
        if (a.scope() != TagScope.RESOURCE) {
          v = find(span.getAttributesList(), a.key());
        }
        if (v == null && a.scope() != TagScope.SPAN) {
          v = find(r.resource().getResource().getAttributesList(), a.key());
          if (v == null && a.key().equals("service.name")) {
            v = AnyValue.newBuilder().setStringValue(Resources.serviceName(r.resource().getResource())).build();
          }
        }
        if (v != null) {
          shown.putIfAbsent(a.key(), v);
        }
      } else {
        String value = intrinsic((Intrinsic) f, span);
        if (value != null) {
          shown.putIfAbsent(f.toString(), AnyValue.newBuilder().setStringValue(value).build());
        }
      }
    }
    shown.forEach((k, v) -> {
      ObjectNode a = attributes.addObject();
      a.put("key", k);
      a.set("value", Http.tree(OtlpJson.encode(v)));
    });
    return o;
  }

  private static @Nullable String intrinsic(Intrinsic i, Span span) {
    switch (i) {
      case STATUS:
        switch (span.getStatus().getCode()) {
          case STATUS_CODE_ERROR: return "error";
          case STATUS_CODE_OK: return "ok";
          default: return "unset";
        }
      case KIND: {
        String k = SpanKinds.jaegerName(span.getKindValue());
        return k.isEmpty() ? "unspecified" : k;
      }
      case STATUS_MESSAGE:
        return span.getStatus().getMessage();
      default:
        return null;
    }
  }

  private static @Nullable AnyValue find(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  private Http.Reply tags(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    searcher.require(Capability.TAGS, "tag names");
    Params p = new Params(ctx);
    String scope = p.get("scope");
    if (scope != null && !List.of("resource", "span", "intrinsic", "none", "all").contains(scope)) {
      throw QueryException.badParameter("scope", scope, "resource, span, intrinsic or none; Skein does not"
          + " index event, link and instrumentation attributes");
    }
    TagQuery.Builder tq = tagQuery(p);
    ObjectNode out = Http.NODES.objectNode();
    ArrayNode scopes = out.putArray("scopes");
    for (String name : List.of("resource", "span")) {
      if (scope == null || scope.equals(name) || scope.equals("none") || scope.equals("all")) {
        ObjectNode s = scopes.addObject().put("name", name);
        ArrayNode names = s.putArray("tags");
        TagQuery query = tq.build();
        TagQuery scoped = TagQuery.builder(name.equals("span") ? TagScope.SPAN : TagScope.RESOURCE)
            .where(query.where()).startBetween(query.startMinNanos(), query.startMaxNanos())
            .limit(query.limit()).regexBudget(query.regexBudget()).build();
        searcher.reader().tagNames(scoped).forEach(names::add);
      }
    }
    if (scope == null || scope.equals("intrinsic") || scope.equals("none") || scope.equals("all")) {
      ArrayNode names = scopes.addObject().put("name", "intrinsic").putArray("tags");
      INTRINSICS.forEach(names::add);
    }
    out.putObject("metrics");
    return Http.ok(out);
  }

  private Http.Reply tagValues(ServiceRequestContext ctx, HttpRequest req) throws QueryException {
    Params p = new Params(ctx);
    String tag = ctx.pathParam("tag");
    ObjectNode out = Http.NODES.objectNode();
    ArrayNode values = out.putArray("tagValues");
    out.putObject("metrics");
    switch (tag) {
      case "status": case "span:status":
        for (String v : List.of("error", "ok", "unset")) {
          values.addObject().put("type", "keyword").put("value", v);
        }
        return Http.ok(out);
      case "kind": case "span:kind":
        for (String v : List.of("client", "consumer", "internal", "producer", "server", "unspecified")) {
          values.addObject().put("type", "keyword").put("value", v);
        }
        return Http.ok(out);
      case "name": case "span:name": {
        TreeSet<String> names = new TreeSet<>();
        for (String service : searcher.reader().services()) {
          for (Operation op : searcher.reader().operations(service, null)) {
            names.add(op.name());
          }
        }
        int limit = p.limit("limit", TagQuery.DEFAULT_LIMIT, TagQuery.DEFAULT_LIMIT * 10);
        names.stream().limit(limit).forEach(n -> values.addObject().put("type", "string").put("value", n));
        return Http.ok(out);
      }
      default:
        break;
    }
    searcher.require(Capability.TAGS, "tag values");
    TagScope scope;
    String key;
    if (tag.startsWith("span.")) {
      scope = TagScope.SPAN;
      key = tag.substring(5);
    } else if (tag.startsWith("resource.")) {
      scope = TagScope.RESOURCE;
      key = tag.substring(9);
    } else if (tag.startsWith(".") && tag.length() > 1) {
      scope = TagScope.ANY;
      key = tag.substring(1);
    } else {
      throw QueryException.badRequest("tag: \"" + tag + "\" (expected: span.<key>, resource.<key>, .<key>, name,"
          + " status or kind; values of other intrinsics are not listed)");
    }
    TagQuery q = tagQuery(p).build();
    TagQuery scoped = TagQuery.builder(scope).where(q.where()).startBetween(q.startMinNanos(), q.startMaxNanos())
        .limit(q.limit()).regexBudget(q.regexBudget()).build();
    for (TagValue v : searcher.reader().tagValues(scoped, key)) {
      values.addObject().put("type", v.type().equals("double") ? "float" : v.type()).put("value", v.value());
    }
    return Http.ok(out);
  }

  /** The time range, limit and {@code q} filter shared by the tag endpoints; the scope is set later. */
  private TagQuery.Builder tagQuery(Params p) throws QueryException {
    QueryLimits limits = searcher.limits();
    Long start = p.epoch("start", 1_000_000_000L, "seconds since the epoch");
    Long end = p.epoch("end", 1_000_000_000L, "seconds since the epoch");
    TimeWindow w = TimeWindow.of(start, end == null ? null : end + 999_999_999L, "start", "end", limits, "s");
    TagQuery.Builder b = TagQuery.builder(TagScope.ANY).startBetween(w.startNanos(), w.endNanos())
        .limit(p.limit("limit", TagQuery.DEFAULT_LIMIT, TagQuery.DEFAULT_LIMIT * 10))
        .regexBudget(limits.regexBudget());
    String q = p.get("q");
    if (q != null) {
      b.where(filterOf(q));
    }
    return b;
  }

  /**
   * The span condition of a tag query's {@code q}: a single spanset filter. Like Tempo, an
   * incomplete query (as typed so far) is not an error: the conditions in it that parse are used.
   */
  static @Nullable SpanCondition filterOf(String q) {
    try {
      TraceQlQuery parsed = TraceQl.parse(q);
      if (parsed.singleFilter().isPresent()) {
        return parsed.singleFilter().get();
      }
    } catch (TraceQlException e) {
      // Falls back to the conditions that parse on their own.
    }
    List<SpanCondition> parts = new ArrayList<>();
    Matcher m = MATCHER.matcher(q);
    while (m.find()) {
      try {
        TraceQl.parse("{ " + m.group() + " }").singleFilter().ifPresent(parts::add);
      } catch (TraceQlException e) {
        // Not a complete condition; left out.
      }
    }
    return parts.isEmpty() ? null : SpanCondition.all(parts);
  }

  static TraceQlQuery parse(String param, String q) throws QueryException {
    try {
      return TraceQl.parse(q);
    } catch (TraceQlException e) {
      throw QueryException.badRequest("parameter " + param + ": invalid TraceQL query: " + e.getMessage());
    }
  }
}
