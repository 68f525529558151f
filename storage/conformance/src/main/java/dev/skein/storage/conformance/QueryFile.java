package dev.skein.storage.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.TraceId;
import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.Field;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagScope;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code search-queries.json}, read into the storage SPI's types. Times in the file are offsets
 * from the fixtures' base time ({@code "+2m"}, {@code "-1h"}); durations are Go-style
 * ({@code "800ms"}); trace names stand for the IDs under {@code "traces"}.
 *
 * <p>A condition is {@code {"field": F, "op": OP, "value": V}}, {@code {"exists": F}},
 * {@code {"not": C}}, {@code {"all": [C...]}} or {@code {"any": [C...]}}; a trace condition is
 * {@code {"hasSpan": C}}, {@code {"allOf": [...]}} or {@code {"anyOf": [...]}}. A field is an
 * intrinsic as TraceQL names it ({@code service}, {@code name}, {@code kind}, {@code status},
 * {@code statusMessage}, {@code duration}, {@code event:name}, {@code trace:duration},
 * {@code trace:rootService}, {@code trace:rootName}) or an attribute ({@code span.k},
 * {@code resource.k}, {@code .k} for either). A JSON string is a string value (a kind, status or
 * duration for those fields), a number an integer or a double, {@code {"text": "..."}} the text
 * form of any attribute.
 */
final class QueryFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DURATION = Pattern.compile("([+-]?)(\\d+)(ns|us|ms|s|m|h)");

  final Map<String, TraceId> traces = new LinkedHashMap<>();
  final Map<TraceId, String> names = new HashMap<>();
  final List<Case<TraceQuery, List<TraceId>>> queries = new ArrayList<>();
  final Map<String, TraceSummary> summaries = new LinkedHashMap<>();
  final List<Case<long[], List<DependencyLink>>> dependencies = new ArrayList<>();
  final List<Case<TagQuery, List<String>>> tagNames = new ArrayList<>();
  final List<Case<TagQuery, List<TagValue>>> tagValues = new ArrayList<>();
  final List<String> tagValueKeys = new ArrayList<>();
  private final long base;

  private QueryFile(long base) {
    this.base = base;
  }

  /** A named question and its expected answer. */
  record Case<Q, A>(String name, Q question, A expected) {}

  /** Reads the file with times relative to {@code baseNanos}. */
  static QueryFile load(long baseNanos) {
    QueryFile f = new QueryFile(baseNanos);
    JsonNode root;
    try (InputStream in = SearchFixtures.queries()) {
      root = JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading search-queries.json", e);
    }
    for (Map.Entry<String, JsonNode> e : root.get("traces").properties()) {
      TraceId id = TraceId.fromHex(e.getValue().asText());
      f.traces.put(e.getKey(), id);
      f.names.put(id, e.getKey());
    }
    for (JsonNode q : root.get("queries")) {
      f.queries.add(new Case<>(q.get("name").asText(), f.query(q.get("query")), f.ids(q.get("expect"))));
    }
    for (Map.Entry<String, JsonNode> e : root.get("summaries").properties()) {
      f.summaries.put(e.getKey(), f.summary(f.traces.get(e.getKey()), e.getValue()));
    }
    for (JsonNode d : root.get("dependencies")) {
      List<DependencyLink> links = new ArrayList<>();
      for (JsonNode l : d.get("expect")) {
        links.add(new DependencyLink(l.get("parent").asText(), l.get("child").asText(), l.get("callCount").asLong(),
            l.has("errorCount") ? l.get("errorCount").asLong() : 0));
      }
      f.dependencies.add(new Case<>(d.get("name").asText(),
          new long[] {f.time(d.get("start").asText()), f.time(d.get("end").asText())}, links));
    }
    for (JsonNode t : root.get("tagNames")) {
      List<String> names = new ArrayList<>();
      t.get("expect").forEach(n -> names.add(n.asText()));
      f.tagNames.add(new Case<>(t.get("name").asText(), f.tagQuery(t), names));
    }
    for (JsonNode t : root.get("tagValues")) {
      List<TagValue> values = new ArrayList<>();
      t.get("expect").forEach(v -> values.add(new TagValue(v.get("type").asText(), v.get("value").asText())));
      f.tagValues.add(new Case<>(t.get("name").asText(), f.tagQuery(t), values));
      f.tagValueKeys.add(t.get("key").asText());
    }
    return f;
  }

  private TraceQuery query(JsonNode q) {
    TraceQuery.Builder b = TraceQuery.builder();
    if (q.has("start")) {
      b.startMinNanos(time(q.get("start").asText()));
    }
    if (q.has("end")) {
      b.startMaxNanos(time(q.get("end").asText()));
    }
    if (q.has("minDuration")) {
      b.minDuration(Duration.ofNanos(duration(q.get("minDuration").asText())));
    }
    if (q.has("maxDuration")) {
      b.maxDuration(Duration.ofNanos(duration(q.get("maxDuration").asText())));
    }
    if (q.has("limit")) {
      b.limit(q.get("limit").asInt());
    }
    if (q.has("order")) {
      b.order(Order.fromParameter(q.get("order").asText()));
    }
    if (q.has("span")) {
      q.get("span").forEach(c -> b.span(condition(c)));
    }
    if (q.has("where")) {
      q.get("where").forEach(c -> b.where(traceCondition(c)));
    }
    return b.build();
  }

  private TagQuery tagQuery(JsonNode t) {
    TagQuery.Builder b = TagQuery.builder(TagScope.valueOf(t.get("scope").asText().toUpperCase(Locale.ROOT)));
    b.startBetween(time(t.has("start") ? t.get("start").asText() : "-1h"),
        time(t.has("end") ? t.get("end").asText() : "+1h"));
    if (t.has("where")) {
      b.where(condition(t.get("where")));
    }
    if (t.has("limit")) {
      b.limit(t.get("limit").asInt());
    }
    return b.build();
  }

  private TraceSummary summary(TraceId id, JsonNode s) {
    Map<String, Integer> services = new LinkedHashMap<>();
    s.get("services").properties().forEach(e -> services.put(e.getKey(), e.getValue().asInt()));
    return new TraceSummary(id, s.get("rootService").isNull() ? null : s.get("rootService").asText(),
        s.get("rootName").isNull() ? null : s.get("rootName").asText(), time(s.get("start").asText()),
        duration(s.get("duration").asText()), s.get("spanCount").asInt(), s.get("errorCount").asInt(),
        services);
  }

  static TraceCondition traceCondition(JsonNode c) {
    if (c.has("hasSpan")) {
      return TraceCondition.hasSpan(condition(c.get("hasSpan")));
    }
    List<TraceCondition> parts = new ArrayList<>();
    c.get(c.has("allOf") ? "allOf" : "anyOf").forEach(p -> parts.add(traceCondition(p)));
    return c.has("allOf") ? new TraceCondition.AllOf(parts) : new TraceCondition.AnyOf(parts);
  }

  static SpanCondition condition(JsonNode c) {
    if (c.has("all") || c.has("any")) {
      List<SpanCondition> parts = new ArrayList<>();
      c.get(c.has("all") ? "all" : "any").forEach(p -> parts.add(condition(p)));
      return c.has("all") ? new SpanCondition.All(parts) : new SpanCondition.Any(parts);
    }
    if (c.has("not")) {
      return SpanCondition.not(condition(c.get("not")));
    }
    if (c.has("exists")) {
      return SpanCondition.exists(field(c.get("exists").asText()));
    }
    Field field = field(c.get("field").asText());
    return SpanCondition.compare(field, comparison(c.get("op").asText()), value(field, c.get("value")));
  }

  private static Field field(String name) {
    if (name.startsWith("span.")) {
      return Attribute.span(name.substring(5));
    }
    if (name.startsWith("resource.")) {
      return Attribute.resource(name.substring(9));
    }
    if (name.startsWith(".")) {
      return Attribute.any(name.substring(1));
    }
    for (Intrinsic i : Intrinsic.values()) {
      if (i.toString().equals(name)) {
        return i;
      }
    }
    switch (name) {
      case "service": return Intrinsic.SERVICE;
      case "name": return Intrinsic.NAME;
      default: throw new IllegalArgumentException("unknown field in search-queries.json: " + name);
    }
  }

  private static Comparison comparison(String symbol) {
    for (Comparison c : Comparison.values()) {
      if (c.symbol().equals(symbol)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown operator in search-queries.json: " + symbol);
  }

  private static Value value(Field field, JsonNode v) {
    if (field instanceof Intrinsic) {
      switch (((Intrinsic) field).valueKind()) {
        case KIND:
          return Value.kind(SpanKind.valueOf("SPAN_KIND_" + v.asText().toUpperCase(Locale.ROOT)));
        case STATUS:
          return Value.status(StatusCode.valueOf("STATUS_CODE_" + v.asText().toUpperCase(Locale.ROOT)));
        case DURATION:
          return new Value.Nanos(duration(v.asText()));
        default:
          return Value.string(v.asText());
      }
    }
    if (v.isObject()) {
      return Value.text(v.get("text").asText());
    }
    if (v.isBoolean()) {
      return Value.bool(v.asBoolean());
    }
    if (v.isIntegralNumber()) {
      return Value.integer(v.asLong());
    }
    if (v.isNumber()) {
      return Value.decimal(v.asDouble());
    }
    return Value.string(v.asText());
  }

  private List<TraceId> ids(JsonNode names) {
    List<TraceId> out = new ArrayList<>();
    for (JsonNode n : names) {
      TraceId id = traces.get(n.asText());
      if (id == null) {
        throw new IllegalArgumentException("unknown trace in search-queries.json: " + n.asText());
      }
      out.add(id);
    }
    return out;
  }

  /** An offset from the base such as {@code +2m} or {@code -1h}, as epoch nanoseconds. */
  long time(String offset) {
    return base + duration(offset);
  }

  static long duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration in search-queries.json: " + text);
    }
    long unit;
    switch (m.group(3)) {
      case "ns": unit = 1L; break;
      case "us": unit = 1_000L; break;
      case "ms": unit = 1_000_000L; break;
      case "s": unit = 1_000_000_000L; break;
      case "m": unit = 60_000_000_000L; break;
      default: unit = 3_600_000_000_000L;
    }
    long n = Long.parseLong(m.group(2)) * unit;
    return m.group(1).equals("-") ? -n : n;
  }
}
