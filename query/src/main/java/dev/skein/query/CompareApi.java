package dev.skein.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.GoDuration;
import dev.skein.model.Nullable;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * {@code POST /api/skein/compare}: which attribute values are over-represented on a selection of
 * spans (slow ones, failed ones, ones in a time range) against the rest of their population, with
 * a ready-made search filter for each. The body is a JSON object; unknown fields and bad values
 * are refused with 400 naming the field. Errors use Jaeger's envelope.
 */
final class CompareApi {
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  private static final List<String> FIELDS = List.of("service", "operation", "start", "end", "selection", "limit");
  private static final List<String> SELECTION_FIELDS =
      List.of("minDuration", "maxDuration", "start", "end", "errorsOnly");
  private static final String MICROS = "microseconds since the epoch";

  private final Searcher searcher;

  private CompareApi(Searcher searcher) {
    this.searcher = searcher;
  }

  static void register(ServerBuilder server, Searcher searcher) {
    server.service("/api/skein/compare", Http.post(Http.Style.JAEGER, new CompareApi(searcher)::compare));
  }

  private Http.Reply compare(ServiceRequestContext ctx, byte[] body) throws QueryException {
    searcher.require(Capability.ANALYTICS, "compare");
    CompareQuery query = parse(body);
    CompareResult r = searcher.reader().compare(query);
    ObjectNode out = Http.NODES.objectNode();
    out.put("selectionSpans", r.selectionSpans());
    out.put("baselineSpans", r.baselineSpans());
    ArrayNode attributes = out.putArray("attributes");
    for (CompareResult.AttributeShare a : r.attributes()) {
      ObjectNode o = attributes.addObject();
      o.put("scope", a.scope()).put("key", a.key()).put("value", a.value())
          .put("selectionCount", a.selectionCount()).put("baselineCount", a.baselineCount())
          .put("selectionShare", a.selectionShare()).put("baselineShare", a.baselineShare())
          .put("difference", a.difference());
      o.putObject("filter").put("tag", SearchFilters.tag(a.key(), a.value()))
          .put("traceql", SearchFilters.traceQl(a.scope(), a.key(), a.value()));
    }
    return Http.ok(out);
  }

  private CompareQuery parse(byte[] body) throws QueryException {
    JsonNode root;
    try {
      root = body.length == 0 ? null : Http.JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw QueryException.badRequest("request body: not JSON (expected: a JSON object; "
          + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw QueryException.badRequest("request body: " + (root == null ? "empty" : root.getNodeType().toString()
          .toLowerCase(java.util.Locale.ROOT)) + " (expected: a JSON object with start, end and selection)");
    }
    known(root, "", FIELDS);
    String service = text(root, "service");
    String operation = text(root, "operation");
    Long start = micros(root, "start", "");
    Long end = micros(root, "end", "");
    if (start == null) {
      throw missing("start", MICROS);
    }
    if (end == null) {
      throw missing("end", MICROS);
    }
    if (end <= start) {
      throw bad("end", root.get("end"), "after start, " + root.get("start"));
    }
    long max = searcher.limits().maxTimeRange().toNanos();
    if (end - start > max) {
      throw QueryException.badRequest("fields start and end: a range of "
          + TimeWindow.human(Duration.ofNanos(end - start)) + " (expected: at most "
          + TimeWindow.human(searcher.limits().maxTimeRange()) + ", the configured maximum time range)");
    }
    int limit = DEFAULT_LIMIT;
    JsonNode l = root.get("limit");
    if (l != null && !l.isNull()) {
      if (!l.canConvertToInt() || !l.isIntegralNumber() || l.asInt() < 1 || l.asInt() > MAX_LIMIT) {
        throw bad("limit", l, "an integer from 1 to " + MAX_LIMIT);
      }
      limit = l.asInt();
    }
    JsonNode sel = root.get("selection");
    if (sel == null || sel.isNull()) {
      throw missing("selection", "an object with at least one of " + String.join(", ", SELECTION_FIELDS));
    }
    if (!sel.isObject()) {
      throw bad("selection", sel, "an object with at least one of " + String.join(", ", SELECTION_FIELDS));
    }
    known(sel, "selection.", SELECTION_FIELDS);
    Long minDuration = duration(sel, "minDuration");
    Long maxDuration = duration(sel, "maxDuration");
    if (minDuration != null && maxDuration != null && maxDuration < minDuration) {
      throw bad("selection.maxDuration", sel.get("maxDuration"), "not shorter than selection.minDuration, "
          + sel.get("minDuration").asText());
    }
    Long selStart = micros(sel, "start", "selection.");
    Long selEnd = micros(sel, "end", "selection.");
    if (selStart != null && selEnd != null && selEnd <= selStart) {
      throw bad("selection.end", sel.get("end"), "after selection.start, " + sel.get("start"));
    }
    boolean errorsOnly = false;
    JsonNode e = sel.get("errorsOnly");
    if (e != null && !e.isNull()) {
      if (!e.isBoolean()) {
        throw bad("selection.errorsOnly", e, "true or false");
      }
      errorsOnly = e.asBoolean();
    }
    if (minDuration == null && maxDuration == null && selStart == null && selEnd == null && !errorsOnly) {
      throw QueryException.badRequest("field selection: no condition set (expected: at least one of minDuration,"
          + " maxDuration, start, end or errorsOnly: true)");
    }
    return new CompareQuery(service, operation, start * 1_000, end * 1_000,
        new CompareQuery.Selection(minDuration, maxDuration, selStart == null ? null : selStart * 1_000,
            selEnd == null ? null : selEnd * 1_000, errorsOnly), limit);
  }

  private static void known(JsonNode o, String prefix, List<String> fields) throws QueryException {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!fields.contains(name)) {
        throw QueryException.badRequest("field " + prefix + name + ": unknown (expected: "
            + String.join(", ", fields) + ")");
      }
    }
  }

  private static @Nullable String text(JsonNode o, String name) throws QueryException {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw bad(name, v, "a string");
    }
    return v.asText().isEmpty() ? null : v.asText();
  }

  private static @Nullable Long micros(JsonNode o, String name, String prefix) throws QueryException {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > Long.MAX_VALUE / 1_000) {
      throw bad(prefix + name, v, MICROS);
    }
    return v.asLong();
  }

  private static @Nullable Long duration(JsonNode o, String name) throws QueryException {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    String expected = "a duration such as 100ms, 1.5s or 1h30m";
    if (!v.isTextual()) {
      throw bad("selection." + name, v, expected);
    }
    try {
      Duration d = GoDuration.parse(v.asText());
      if (!d.isNegative()) {
        return d.toNanos();
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      // Reported below with the expected form.
    }
    throw bad("selection." + name, v, expected);
  }

  /** {@code field NAME: VALUE (expected: EXPECTED)}, the value as JSON. */
  private static QueryException bad(String field, JsonNode value, String expected) {
    return QueryException.badRequest("field " + field + ": " + value + " (expected: " + expected + ")");
  }

  private static QueryException missing(String field, String expected) {
    return QueryException.badRequest("field " + field + ": missing (expected: " + expected + ")");
  }
}
