package dev.skein.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Operation;
import dev.skein.storage.TraceReader;
import dev.skein.storage.TraceStore;
import dev.skein.storage.conformance.Fixtures;
import dev.skein.storage.conformance.SearchFixtures;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The query APIs over HTTP, against a real store holding the conformance suite's search fixtures:
 * each Jaeger v1, Jaeger v3, Tempo and Skein endpoint with the parameters and answers their
 * documentation gives, TraceQL evaluated end to end, the limits, and the errors. A backend's test
 * extends this class and opens its store.
 *
 * <p>Three servers run on free ports of 127.0.0.1: one with roomy limits, one with tight ones,
 * and one over a reader that only has the base capabilities, as a future backend may.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class QueryApiContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  /** A trace with more spans than the roomy server returns, after the fixtures' time range. */
  static final TraceId BIG = Fixtures.traceId(777);

  TraceStore store;
  Map<String, TraceId> ids;
  /** The fixtures' base time, epoch nanoseconds: half an hour ago on a whole second. */
  long base;
  Server roomy;
  Server tight;
  Server basic;

  /** Opens an empty store in {@code dir}. */
  abstract TraceStore open(Path dir) throws Exception;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    store = open(dir);
    base = System.currentTimeMillis() / 1000 * 1_000_000_000L - Duration.ofMinutes(30).toNanos();
    for (Traces t : SearchFixtures.batches(base)) {
      store.write(t).get(60, TimeUnit.SECONDS);
    }
    Traces.Builder big = Traces.builder();
    long bigStart = base + Duration.ofMinutes(25).toNanos();
    for (int i = 0; i < 60; i++) {
      big.add(Fixtures.resource("big"), Fixtures.defaultScope(), Fixtures.span(BIG, Fixtures.spanId(BIG, i),
          i == 0 ? null : Fixtures.spanId(BIG, 0), "step-" + i, SpanKind.SPAN_KIND_INTERNAL,
          bigStart + i * 1_000L, bigStart + i * 1_000L + 500).build());
    }
    store.write(big.build()).get(60, TimeUnit.SECONDS);
    ids = SearchFixtures.traceIds();
    roomy = serve(store, QueryLimits.builder().maxSpansPerTrace(50).build());
    tight = serve(store, QueryLimits.builder().maxTracesPerSearch(3).maxTimeRange(Duration.ofHours(1))
        .maxSpansPerTrace(5).regexBudget(Duration.ofNanos(1)).maxInspectedTraces(2).build());
    basic = serve(new BaseReader(store), QueryLimits.defaults());
  }

  @AfterAll
  void stop() {
    for (Server s : new Server[] {roomy, tight, basic}) {
      if (s != null) {
        s.stop().join();
      }
    }
    if (store != null) {
      store.close();
    }
  }

  static Server serve(TraceReader reader, QueryLimits limits) {
    ServerBuilder sb = Server.builder().http(new InetSocketAddress("127.0.0.1", 0));
    QueryApi.register(sb, reader, limits);
    Server s = sb.build();
    s.start().join();
    return s;
  }

  // ---------------------------------------------------------------- Jaeger v1

  @Test
  void jaegerSearchesByServiceNewestFirst() throws Exception {
    Reply r = get(roomy, "/api/traces?service=checkout" + jaegerWindow());

    assertThat(r.status).isEqualTo(200);
    assertThat(traceIds(r.json().get("data"))).containsExactlyElementsOf(
        names("checkoutCanary", "noRoot", "orderCreated", "checkoutSlow", "checkoutOk"));
    JsonNode first = r.json().at("/data/0");
    assertThat(first.get("spans")).hasSize(2);
    assertThat(first.at("/processes/p1/serviceName").asText()).isEqualTo("frontend");
    assertThat(r.json().get("errors").isNull()).isTrue();
    assertThat(r.json().has("nextCursor")).isFalse();
  }

  @Test
  void jaegerSearchesEveryServiceInStablePages() throws Exception {
    List<String> all = new ArrayList<>();
    String cursor = null;
    List<Integer> sizes = new ArrayList<>();
    do {
      Reply r = get(roomy, "/api/traces?limit=4&order=oldest" + jaegerWindow()
          + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.status).isEqualTo(200);
      all.addAll(traceIds(r.json().get("data")));
      sizes.add(r.json().get("data").size());
      cursor = r.json().has("nextCursor") ? r.json().get("nextCursor").asText() : null;
    } while (cursor != null);

    assertThat(sizes).containsExactly(4, 4, 2);
    assertThat(all).containsExactlyElementsOf(names("checkoutOk", "checkoutSlow", "orderCreated", "ads", "noRoot",
        "payOk", "payDeclined", "anonymous", "search", "checkoutCanary"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "service=checkout&operation=SELECT shop.orders&tags={\"db.system\":\"postgresql\"} # noRoot checkoutSlow checkoutOk",
      "tag=http.response.status_code:500 # payDeclined",
      "tag=error:true # payDeclined checkoutSlow",
      "tag=span.kind:consumer # orderCreated",
      "tags={\"otel.status_description\":\"card declined\"} # payDeclined",
      "tags={\"db.system\":\"postgresql\"}&tag=error.type:57014 # checkoutSlow",
      "service=frontend&tag=http.request.method:POST # checkoutSlow checkoutOk",
      "tagRegex=db.query.text:SELECT .* WHERE .* # checkoutOk",
      "tagRegex=http.response.status_code:5.. # payDeclined checkoutSlow",
      "service=checkout&tagNot=db.system:postgresql # checkoutCanary noRoot orderCreated checkoutSlow checkoutOk",
      "service=checkout&operation=SELECT shop.orders&tagAbsent=db.query.text # noRoot checkoutSlow",
      "tagExists=error.type # checkoutSlow",
      "service=frontend&tagNotRegex=http.request.method:GET # checkoutSlow checkoutOk",
      "minDuration=1s # search anonymous checkoutSlow",
      "minDuration=50ms&maxDuration=60ms # orderCreated",
      "service=payment&minDuration=230ms # payOk payDeclined",
      "service=nobody # ''",
      "order=slowest&limit=3 # search anonymous checkoutSlow",
      "order=most_errors&limit=2 # checkoutSlow payDeclined",
  })
  void jaegerFiltersSpansByTagsAndDurations(String query, String expected) throws Exception {
    Reply r = get(roomy, "/api/traces?" + encodeValues(query) + jaegerWindow());

    assertThat(r.status).as(r.text()).isEqualTo(200);
    assertThat(traceIds(r.json().get("data"))).containsExactlyElementsOf(names(expected.isEmpty() ? new String[0]
        : expected.split(" ")));
  }

  @Test
  void jaegerReturnsTracesByIdWithAnErrorPerMissingOne() throws Exception {
    TraceId missing = Fixtures.traceId(12345);
    Reply r = get(roomy, "/api/traces?traceID=" + ids.get("payOk").hex() + "&traceID=" + missing.hex()
        + "&traceID=" + ids.get("payOk").hex());

    assertThat(r.status).isEqualTo(200);
    assertThat(traceIds(r.json().get("data"))).as("a trace asked for twice comes once")
        .containsExactly(ids.get("payOk").hex());
    assertThat(r.json().get("errors")).hasSize(1);
    assertThat(r.json().at("/errors/0/code").asInt()).isEqualTo(404);
    assertThat(r.json().at("/errors/0/traceID").asText()).isEqualTo(missing.hex());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "/api/traces?start=abc # parameter start: \"abc\" (expected: microseconds since the epoch)",
      "/api/traces?end=-5 # parameter end",
      "/api/traces?minDuration=fast # parameter minDuration: \"fast\" (expected: a duration such as 100ms",
      "/api/traces?minDuration=2s&maxDuration=1s # parameter maxDuration: \"1s\" (expected: a duration not shorter than minDuration, 2s)",
      "/api/traces?limit=0 # parameter limit: \"0\" (expected: a positive integer)",
      "/api/traces?limit=many # parameter limit",
      "/api/traces?order=random # parameter order: \"random\" (expected: newest, oldest, slowest or most_errors)",
      "/api/traces?cursor=garbage # parameter cursor: \"garbage\" (expected: the nextCursor of a previous search)",
      "/api/traces?tags=notjson # parameter tags: \"notjson\" (expected: a JSON object",
      "/api/traces?tags=[1] # parameter tags",
      "/api/traces?tags={\"a\":{\"b\":1}} # parameter tags",
      "/api/traces?tag=nocolon # parameter tag: \"nocolon\" (expected: key:value)",
      "/api/traces?tag=otel.scope.name:x # searching by instrumentation scope is not supported",
      "/api/traces?tagRegex=k:( # parameter tagRegex",
      "/api/traces?traceID=zz # parameter traceID: \"zz\"",
      "/api/traces?start=2000000&end=1000000 # parameter end: 1000000 (expected: at or after start, 2000000)",
      "/api/traces?start=0 # parameters start and end: a range of",
      "/api/dependencies?lookback=abc # parameter lookback",
      "/api/dependencies?lookback=-5 # parameter lookback: \"-5\" (expected: a positive number of milliseconds)",
      "/api/dependencies?endTs=x # parameter endTs",
      "/api/operations # parameter service: missing (expected: a service name)",
      "/api/operations?service=checkout&spanKind=sideways # parameter spanKind: \"sideways\"",
      "/api/traces/not-hex # hexadecimal",
      "/api/skein/search?spanKind=sideways # parameter spanKind",
      "/api/skein/search?q={ # parameter q: invalid TraceQL query: line 1, column 2",
  })
  void jaegerRefusesBadParametersNamingThem(String path, String message) throws Exception {
    Reply r = get(roomy, encodeValues(path));

    assertThat(r.status).as(r.text()).isEqualTo(400);
    assertThat(r.contentType).startsWith("application/json");
    assertThat(r.json().at("/errors/0/code").asInt()).isEqualTo(400);
    assertThat(r.json().at("/errors/0/msg").asText()).contains(message);
    assertThat(r.json().get("data").isNull()).isTrue();
  }

  @Test
  void jaegerRefusesACursorOfAnotherOrder() throws Exception {
    String cursor = get(roomy, "/api/traces?limit=1&order=slowest" + jaegerWindow()).json().get("nextCursor").asText();

    Reply r = get(roomy, "/api/traces?limit=1&order=newest&cursor=" + cursor + jaegerWindow());

    assertThat(r.status).isEqualTo(400);
    assertThat(r.json().at("/errors/0/msg").asText()).contains("parameter cursor")
        .contains("a cursor of a search with order=newest; this one continues order=slowest");
  }

  @Test
  void jaegerCapsTheLimitAndRefusesTooLongATimeRange() throws Exception {
    Reply r = get(tight, "/api/traces?limit=100" + jaegerWindow());
    assertThat(r.status).isEqualTo(200);
    assertThat(r.json().get("data")).hasSize(3);
    assertThat(r.json().get("limit").asInt()).isEqualTo(3);

    long end = (base + Duration.ofMinutes(20).toNanos()) / 1000;
    Reply tooLong = get(tight, "/api/traces?start=" + (end - Duration.ofHours(2).toNanos() / 1000) + "&end=" + end);
    assertThat(tooLong.status).isEqualTo(400);
    assertThat(tooLong.json().at("/errors/0/msg").asText()).contains("parameters start and end: a range of 2h")
        .contains("expected: at most 1h");
  }

  @Test
  void jaegerTruncatesALargeTraceWithAWarning() throws Exception {
    Reply r = get(roomy, "/api/traces/" + BIG.hex());

    assertThat(r.status).isEqualTo(200);
    JsonNode trace = r.json().at("/data/0");
    assertThat(trace.get("spans")).hasSize(50);
    assertThat(trace.get("warnings").get(0).asText()).contains("has 60 spans").contains("first 50");
    assertThat(get(tight, "/api/traces/" + BIG.hex()).json().at("/data/0/spans")).hasSize(5);
  }

  @Test
  void answersTempoClientsOnJaegersTracePathWithProtobuf() throws Exception {
    Reply r = get(roomy, "/api/traces/" + ids.get("checkoutSlow").hex(), "Accept", "application/protobuf");

    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("application/protobuf");
    TracesData data = TracesData.parseFrom(r.body);
    assertThat(Traces.of(data.getResourceSpansList()).spanCount()).isEqualTo(5);
    assertThat(get(roomy, "/api/traces/" + ids.get("checkoutSlow").hex()).contentType)
        .as("Jaeger's JSON stays the default").startsWith("application/json");
  }

  @Test
  void jaegerDerivesDependencies() throws Exception {
    long endMs = (base + Duration.ofMinutes(20).toNanos()) / 1_000_000;
    Reply r = get(roomy, "/api/dependencies?endTs=" + endMs + "&lookback=" + Duration.ofMinutes(25).toMillis());

    assertThat(r.status).isEqualTo(200);
    List<String> links = new ArrayList<>();
    r.json().get("data").forEach(l -> links.add(l.get("parent").asText() + ">" + l.get("child").asText() + "="
        + l.get("callCount").asLong() + "/" + l.get("errorCount").asLong()));
    assertThat(links).as("calls/errors").containsExactly("checkout>billing=1/0", "frontend>checkout=3/1",
        "frontend>payment=2/1", "frontend>search=1/0");

    Reply tooLong = get(tight, "/api/dependencies?endTs=" + endMs + "&lookback=" + Duration.ofHours(3).toMillis());
    assertThat(tooLong.status).isEqualTo(400);
    assertThat(tooLong.json().at("/errors/0/msg").asText()).contains("lookback and endTs");
  }

  @Test
  void jaegerListsServicesAndOperations() throws Exception {
    assertThat(texts(get(roomy, "/api/services").json().get("data"))).containsExactly("ad-service", "big",
        "billing", "checkout", "frontend", "payment", "search", "unknown_service");
    assertThat(texts(get(roomy, "/api/services/payment/operations").json().get("data"))).containsExactly("POST /charge");
    JsonNode ops = get(roomy, "/api/operations?service=checkout&spanKind=client").json().get("data");
    assertThat(ops).extracting(n -> n.get("name").asText()).containsExactly("INSERT shop.orders", "SELECT shop.orders");
  }

  @Test
  void refusesMethodsOtherThanGet() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(roomy, "/api/search")))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
  }

  // ---------------------------------------------------------------- Jaeger v3

  @Test
  void v3SearchReturnsOtlpJson() throws Exception {
    Reply r = get(roomy, "/api/v3/traces?query.service_name=payment" + v3Window());

    assertThat(r.status).as(r.text()).isEqualTo(200);
    assertThat(otlpTraceIds(r.json().get("result"))).containsExactlyInAnyOrderElementsOf(names("payOk", "payDeclined"));

    Reply attrs = get(roomy, "/api/v3/traces?query.attributes="
        + encode("{\"http.response.status_code\":\"500\"}") + v3Window());
    assertThat(otlpTraceIds(attrs.json().get("result"))).containsExactlyElementsOf(names("payDeclined"));

    Reply op = get(roomy, "/api/v3/traces?query.service_name=checkout&query.operation_name=" + encode("INSERT shop.orders")
        + "&query.duration_min=100ms&query.num_traces=5" + v3Window());
    assertThat(otlpTraceIds(op.json().get("result"))).containsExactlyElementsOf(names("checkoutSlow"));
  }

  @Test
  void v3ReturnsATraceById() throws Exception {
    Reply r = get(roomy, "/api/v3/traces/" + ids.get("orderCreated").hex());

    assertThat(r.status).isEqualTo(200);
    assertThat(r.json().at("/result/resourceSpans")).hasSize(2);
    assertThat(get(roomy, "/api/v3/traces/" + BIG.hex()).json().at("/warnings/0").asText()).contains("has 60 spans");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "/api/v3/traces?query.service_name=payment # 400 # query.start_time_min and query.start_time_max: missing",
      "/api/v3/traces?query.start_time_min=yesterday&query.start_time_max=2024-01-01T00:00:00Z # 400 # parameter query.start_time_min: \"yesterday\"",
      "/api/v3/traces?query.duration_min=slow&WINDOW # 400 # parameter query.duration_min",
      "/api/v3/traces?query.num_traces=x&WINDOW # 400 # parameter query.num_traces",
      "/api/v3/traces?query.attributes=x&WINDOW # 400 # parameter query.attributes",
      "/api/v3/traces?query.service_name=nobody&WINDOW # 404 # No traces found",
      "/api/v3/traces/zz # 400 # hexadecimal",
      "/api/v3/traces/0af7651916cd43dd8448eb211c80319c # 404 # trace not found",
      "/api/v3/traces/0af7651916cd43dd8448eb211c80319c?start_time=x # 400 # parameter start_time",
      "/api/v3/operations # 400 # parameter service: missing",
  })
  void v3ErrorsUseTheGatewayShape(String path, int status, String message) throws Exception {
    Reply r = get(roomy, path.replace("&WINDOW", v3Window()));

    assertThat(r.status).as(r.text()).isEqualTo(status);
    assertThat(r.json().at("/error/httpCode").asInt()).isEqualTo(status);
    assertThat(r.json().at("/error/message").asText()).contains(message);
  }

  @Test
  void v3ListsServicesAndOperations() throws Exception {
    assertThat(texts(get(roomy, "/api/v3/services").json().get("services"))).contains("payment", "unknown_service");
    assertThat(get(roomy, "/api/v3/operations?service=billing&span_kind=consumer").json().get("operations"))
        .extracting(n -> n.get("name").asText() + "/" + n.get("spanKind").asText())
        .containsExactly("order.created process/consumer");
  }

  // ---------------------------------------------------------------- Tempo

  @Test
  void tempoEchoes() throws Exception {
    Reply r = get(roomy, "/api/echo");
    assertThat(r.status).isEqualTo(200);
    assertThat(r.text()).isEqualTo("echo");
  }

  @Test
  void tempoReturnsATraceByIdAsJsonOrProtobuf() throws Exception {
    Reply json = get(roomy, "/api/v2/traces/" + ids.get("payDeclined").hex());
    assertThat(json.status).isEqualTo(200);
    assertThat(json.json().at("/trace/resourceSpans")).hasSize(2);
    assertThat(json.json().has("status")).isFalse();

    Reply proto = get(roomy, "/api/v2/traces/" + ids.get("payDeclined").hex(), "Accept", "application/protobuf");
    assertThat(proto.contentType).startsWith("application/protobuf");
    TracesData trace = TracesData.parseFrom(field(proto.body, 1));
    assertThat(Traces.of(trace.getResourceSpansList()).spanCount()).isEqualTo(2);

    Reply partial = get(roomy, "/api/v2/traces/" + BIG.hex());
    assertThat(partial.json().get("status").asText()).isEqualTo("PARTIAL");
    assertThat(partial.json().get("message").asText()).contains("has 60 spans");

    Reply missing = get(roomy, "/api/v2/traces/0af7651916cd43dd8448eb211c80319c");
    assertThat(missing.status).isEqualTo(404);
    assertThat(missing.contentType).startsWith("text/plain");
  }

  @Test
  void tempoSearchesWithTraceQlAndReturnsSpanSets() throws Exception {
    Reply r = get(roomy, "/api/search?q=" + encode("{ span.http.response.status_code >= 500 }") + tempoWindow());

    assertThat(r.status).as(r.text()).isEqualTo(200);
    JsonNode traces = r.json().get("traces");
    assertThat(traces).extracting(t -> t.get("traceID").asText())
        .containsExactlyElementsOf(names("payDeclined", "checkoutSlow"));
    JsonNode declined = traces.get(0);
    assertThat(declined.get("rootServiceName").asText()).isEqualTo("frontend");
    assertThat(declined.get("rootTraceName").asText()).isEqualTo("GET /api/pay");
    assertThat(declined.get("startTimeUnixNano").asText()).isEqualTo(Long.toString(base + 360_000_000_000L));
    assertThat(declined.get("durationMs").asLong()).isEqualTo(250);
    assertThat(declined.at("/spanSets/0/matched").asInt()).isEqualTo(2);
    assertThat(declined.at("/spanSet/matched").asInt()).isEqualTo(2);
    JsonNode span = declined.at("/spanSets/0/spans/1");
    assertThat(span.get("name").asText()).isEqualTo("POST /charge");
    assertThat(span.get("durationNanos").asText()).isEqualTo("230000000");
    assertThat(span.get("attributes")).extracting(a -> a.get("key").asText() + "=" + a.get("value"))
        .contains("service.name={\"stringValue\":\"payment\"}", "http.response.status_code={\"intValue\":\"500\"}");
    assertThat(declined.at("/serviceStats/payment/spanCount").asInt()).isEqualTo(1);
    assertThat(r.json().at("/metrics/inspectedTraces").asInt()).isEqualTo(2);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "{ resource.service.name = \"frontend\" } > { resource.service.name = \"payment\" } # payOk payDeclined",
      "{ name = \"POST /checkout\" } >> { name = \"INSERT shop.orders\" } # checkoutSlow",
      "{ kind = consumer } < { kind = producer } # orderCreated",
      "{ name = \"SELECT shop.orders\" } ~ { name = \"INSERT shop.orders\" } # checkoutSlow",
      "{ name = \"compute-total\" } ~ { name = \"SELECT shop.orders\" } # noRoot",
      "{ } > { event:name = \"exception\" } # payDeclined checkoutSlow",
      "{ event:name = \"exception\" } > { } # ''",
      "{ resource.service.name = \"checkout\" } | count() > 2 # checkoutSlow",
      "{ } | count() = 1 # anonymous ads",
      "{ } | avg(duration) > 1s # search anonymous",
      "{ span.app.amount != nil } | max(span.app.amount) > 10 # payDeclined",
      "{ } | sum(span.http.response.status_code) > 1000 # checkoutSlow",
      "{ } | min(duration) >= 250ms # checkoutCanary search anonymous checkoutSlow",
      "{ status = error } && { resource.service.name = \"payment\" } # payDeclined",
      "{ status = error } || { kind = consumer } # payDeclined orderCreated checkoutSlow",
      "({ kind = server } | count() >= 2) && { span.db.system != nil } # checkoutSlow checkoutOk",
      "{ kind = server } | { duration > 1s } # search checkoutSlow",
      "{ .http.request.method = \"GET\" && status = error } # payDeclined checkoutSlow",
      "{ trace:rootService = \"frontend\" && trace:duration < 300ms } # payOk payDeclined",
      "{ !(resource.service.name = \"frontend\") && kind = server } # checkoutCanary payOk payDeclined ads orderCreated checkoutSlow checkoutOk",
      "{ span.app.query =~ \".*socks.*\" } # search",
  })
  void tempoEvaluatesTraceQl(String q, String expected) throws Exception {
    Reply r = get(roomy, "/api/search?q=" + encode(q) + tempoWindow());

    assertThat(r.status).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("traces")).extracting(t -> t.get("traceID").asText())
        .containsExactlyElementsOf(names(expected.isEmpty() ? new String[0] : expected.split(" ")));
  }

  @Test
  void tempoSelectsAttributesAndLimitsSpansPerSpanSet() throws Exception {
    Reply r = get(roomy, "/api/search?spss=1&q=" + encode("{ resource.service.name = \"checkout\" } | select(span.db.system)")
        + tempoWindow());

    JsonNode slow = null;
    for (JsonNode t : r.json().get("traces")) {
      if (t.get("traceID").asText().equals(ids.get("checkoutSlow").hex())) {
        slow = t;
      }
    }
    assertThat(slow).isNotNull();
    assertThat(slow.at("/spanSets/0/spans")).hasSize(1);
    assertThat(slow.at("/spanSets/0/matched").asInt()).isEqualTo(3);

    Reply select = get(roomy, "/api/search?q=" + encode("{ name = \"SELECT shop.orders\" } | select(span.db.system, kind)")
        + tempoWindow());
    assertThat(select.json().at("/traces/0/spanSets/0/spans/0/attributes"))
        .extracting(a -> a.get("key").asText() + "=" + a.at("/value/stringValue").asText())
        .contains("db.system=postgresql", "kind=client");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "tags=service.name=pay # payOk payDeclined",
      "tags=status.code=error # payDeclined checkoutSlow",
      "tags=name=CHARGE # payOk payDeclined",
      "tags=db.system=postgres service.name=checkout # noRoot checkoutSlow checkoutOk",
      "tags=app.query=\"SOCKS (size\" # search",
      "tags=root.service.name=checkout # orderCreated",
      "q={}&minDuration=1s # search anonymous checkoutSlow",
      "q={}&maxDuration=5ms # ads",
      "limit=2&order=slowest # search anonymous",
  })
  void tempoSearchesByTagsAndTraceDuration(String query, String expected) throws Exception {
    Reply r = get(roomy, "/api/search?" + encodeValues(query) + tempoWindow());

    assertThat(r.status).as(r.text()).isEqualTo(200);
    assertThat(r.json().get("traces")).extracting(t -> t.get("traceID").asText())
        .containsExactlyElementsOf(names(expected.split(" ")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "q={}&tags=a=b # parameters q and tags: both given",
      "q={ name = # parameter q: invalid TraceQL query: line 1, column 9: expected a value",
      "q={ } | by(name) # parameter q: invalid TraceQL query: line 1, column 7: by() is not supported",
      "tags=a=\"b # parameter tags",
      "tags=status.code=broken # status.code of ok, error or unset",
      "minDuration=x # parameter minDuration",
      "spss=0 # parameter spss",
      "start=x # parameter start",
      "start=100&end=50 # parameter end",
  })
  void tempoRefusesBadParametersInPlainText(String query, String message) throws Exception {
    Reply r = get(roomy, "/api/search?" + encodeValues(query));

    assertThat(r.status).as(r.text()).isEqualTo(400);
    assertThat(r.contentType).startsWith("text/plain");
    assertThat(r.text()).contains(message);
  }

  @Test
  void answersThatEchoInputCannotRunAsAPageInABrowser() throws Exception {
    // A link to the API with markup in a parameter: the answer names the value, as plain text or
    // JSON that a browser must not sniff as HTML, with a policy that forbids any script anyway.
    String markup = "<script>alert(1)</script>";
    for (String path : List.of("/api/search?limit=" + encode(markup), "/api/traces?limit=" + encode(markup),
        "/api/v3/traces?query.num_traces=" + encode(markup), "/api/traces/" + encode(markup), "/api/nothing-here")) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(roomy, path))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isBetween(400, 499);
      assertThat(r.headers().firstValue("content-type")).as(path).hasValueSatisfying(
          t -> assertThat(t).doesNotContain("html"));
      assertThat(r.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
      assertThat(r.headers().firstValue("content-security-policy")).as(path)
          .hasValue("default-src 'none'; frame-ancestors 'none'");
    }
  }

  @Test
  void tempoEndsAPageEarlyWhenTooManyCandidatesAreInspected() throws Exception {
    List<String> found = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Reply r = get(tight, "/api/search?q=" + encode("{ } | count() = 1") + tempoWindow()
          + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.status).as(r.text()).isEqualTo(200);
      r.json().get("traces").forEach(t -> found.add(t.get("traceID").asText()));
      cursor = r.json().has("nextCursor") ? r.json().get("nextCursor").asText() : null;
      if (cursor != null) {
        assertThat(r.json().at("/warnings/0").asText()).contains("inspected 2 candidate traces");
      }
      pages++;
    } while (cursor != null && pages < 20);

    assertThat(found).containsExactlyElementsOf(names("anonymous", "ads"));
    assertThat(pages).isGreaterThan(1);
  }

  @Test
  void refusesARegularExpressionThatRunsPastItsBudget() throws Exception {
    Reply tempo = get(tight, "/api/search?q=" + encode("{ name =~ \"GET.*\" }") + tempoWindow());
    assertThat(tempo.status).isEqualTo(400);
    assertThat(tempo.text()).contains("regular expressions ran longer than the budget");

    Reply jaeger = get(tight, "/api/traces?tagRegex=" + encode("http.request.method:G.*") + jaegerWindow());
    assertThat(jaeger.status).isEqualTo(400);
    assertThat(jaeger.json().at("/errors/0/msg").asText()).contains("budget");
  }

  @Test
  void tempoListsTagNamesByScope() throws Exception {
    Reply r = get(roomy, "/api/v2/search/tags?" + tempoWindow().substring(1));

    assertThat(r.status).isEqualTo(200);
    Map<String, List<String>> scopes = new java.util.LinkedHashMap<>();
    r.json().get("scopes").forEach(s -> scopes.put(s.get("name").asText(), texts(s.get("tags"))));
    assertThat(scopes.keySet()).containsExactly("resource", "span", "intrinsic");
    assertThat(scopes.get("resource")).containsExactly("app.replicas", "deployment.environment.name", "host.name",
        "service.name", "service.namespace", "telemetry.sdk.language");
    assertThat(scopes.get("span")).contains("app.amount", "db.system", "http.response.status_code", "url.path")
        .hasSize(20);
    assertThat(scopes.get("intrinsic")).contains("duration", "name", "status", "trace:rootService");

    Reply filtered = get(roomy, "/api/v2/search/tags?scope=span&q="
        + encode("{ resource.service.name = \"ad-service\" }") + tempoWindow());
    assertThat(filtered.json().get("scopes")).hasSize(1);
    assertThat(texts(filtered.json().at("/scopes/0/tags"))).containsExactly("app.cached", "app.empty", "app.ratio",
        "app.tags", "http.response.status_code");

    Reply event = get(roomy, "/api/v2/search/tags?scope=event");
    assertThat(event.status).isEqualTo(400);
    assertThat(event.text()).contains("parameter scope: \"event\"");
  }

  @Test
  void tempoListsTagValuesWithTheirTypes() throws Exception {
    assertThat(values("resource.deployment.environment.name", ""))
        .containsExactly("string:canary", "string:production", "string:staging");
    assertThat(values("span.http.response.status_code", ""))
        .containsExactly("int:200", "int:201", "int:500", "int:502");
    assertThat(values("span.app.amount", "")).containsExactly("float:19.99", "int:5");
    assertThat(values(".telemetry.sdk.language", "")).containsExactly("string:go", "string:java",
        "string:nodejs", "string:python");
    assertThat(values("status", "")).containsExactly("keyword:error", "keyword:ok", "keyword:unset");
    assertThat(values("kind", "")).contains("keyword:server", "keyword:consumer");
    assertThat(values("name", "")).contains("string:POST /charge", "string:legacy-hook");
    // Grafana asks while the user types; the conditions that parse narrow the values.
    assertThat(values("span.http.response.status_code",
        "{ resource.service.name = \"payment\" && span.http.response.status_code = }"))
        .containsExactly("int:200", "int:500");

    Reply duration = get(roomy, "/api/v2/search/tag/duration/values");
    assertThat(duration.status).isEqualTo(400);
    assertThat(duration.text()).contains("tag: \"duration\"");
  }

  // ---------------------------------------------------------------- Skein

  @Test
  void skeinSearchReturnsSummariesInPages() throws Exception {
    Reply first = get(roomy, "/api/skein/search?order=slowest&limit=4" + jaegerWindow());

    assertThat(first.status).as(first.text()).isEqualTo(200);
    JsonNode search = first.json().at("/traces/0");
    assertThat(search.get("traceID").asText()).isEqualTo(ids.get("search").hex());
    assertThat(search.get("rootServiceName").asText()).isEqualTo("frontend");
    assertThat(search.get("rootSpanName").asText()).isEqualTo("GET /api/search");
    assertThat(search.get("durationNanos").asText()).isEqualTo("5000000000");
    assertThat(search.get("spanCount").asInt()).isEqualTo(2);
    assertThat(search.get("errorCount").asInt()).isEqualTo(0);
    assertThat(search.get("services")).extracting(s -> s.get("name").asText() + "=" + s.get("spanCount").asInt())
        .containsExactly("frontend=1", "search=1");

    List<String> all = new ArrayList<>();
    first.json().get("traces").forEach(t -> all.add(t.get("traceID").asText()));
    String cursor = first.json().get("nextCursor").asText();
    while (true) {
      Reply r = get(roomy, "/api/skein/search?order=slowest&limit=4&cursor=" + cursor + jaegerWindow());
      r.json().get("traces").forEach(t -> all.add(t.get("traceID").asText()));
      if (r.json().get("nextCursor").isNull()) {
        break;
      }
      cursor = r.json().get("nextCursor").asText();
    }
    assertThat(all).containsExactlyElementsOf(names("search", "anonymous", "checkoutSlow", "checkoutCanary",
        "checkoutOk", "payOk", "payDeclined", "orderCreated", "noRoot", "ads"));
  }

  @Test
  void skeinSearchCombinesSpanFiltersTraceQlAndTraceDurations() throws Exception {
    Reply r = get(roomy, "/api/skein/search?service=checkout&minDuration=100ms&q="
        + encode("{ kind = client } >> { status = error }") + jaegerWindow());
    assertThat(r.json().get("traces")).extracting(t -> t.get("traceID").asText())
        .containsExactlyElementsOf(names("checkoutSlow"));
    assertThat(r.json().at("/traces/0/matchedSpanIDs")).hasSize(2);

    Reply noRoot = get(roomy, "/api/skein/search?order=most_errors&tagExists=app.cart.total" + jaegerWindow());
    assertThat(noRoot.json().at("/traces/0/rootServiceName").isNull()).isTrue();
    assertThat(noRoot.json().at("/traces/0/errorCount").asInt()).isEqualTo(0);
  }

  // ---------------------------------------------------------------- capabilities

  @Test
  void answersWhatTheBackendCannotDoWith501() throws Exception {
    Reply jaeger = get(basic, "/api/traces?service=checkout");
    assertThat(jaeger.status).isEqualTo(501);
    assertThat(jaeger.json().at("/errors/0/msg").asText()).contains("capability SEARCH");
    Reply tempo = get(basic, "/api/search?q=" + encode("{}"));
    assertThat(tempo.status).isEqualTo(501);
    assertThat(tempo.text()).contains("capability SEARCH");
    assertThat(get(basic, "/api/dependencies").status).isEqualTo(501);
    assertThat(get(basic, "/api/v2/search/tags").status).isEqualTo(501);
    assertThat(get(basic, "/api/traces/" + ids.get("payOk").hex()).status).isEqualTo(200);
  }

  // ---------------------------------------------------------------- helpers

  private String jaegerWindow() {
    return "&start=" + (base - 60_000_000_000L) / 1_000 + "&end=" + (base + Duration.ofMinutes(20).toNanos()) / 1_000;
  }

  private String tempoWindow() {
    return "&start=" + (base / 1_000_000_000L - 60) + "&end=" + (base / 1_000_000_000L + 1_200);
  }

  private String v3Window() {
    return "&query.start_time_min=" + Instant.ofEpochSecond(0, base - 60_000_000_000L)
        + "&query.start_time_max=" + Instant.ofEpochSecond(0, base + Duration.ofMinutes(20).toNanos());
  }

  private List<String> values(String tag, String q) throws Exception {
    Reply r = get(roomy, "/api/v2/search/tag/" + tag + "/values?" + tempoWindow().substring(1)
        + (q.isEmpty() ? "" : "&q=" + encode(q)));
    assertThat(r.status).as(r.text()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    r.json().get("tagValues").forEach(v -> out.add(v.get("type").asText() + ":" + v.get("value").asText()));
    return out;
  }

  private List<String> names(String... aliases) {
    List<String> out = new ArrayList<>();
    for (String a : aliases) {
      if (!a.isEmpty() && !a.equals("''")) {
        out.add(ids.get(a).hex());
      }
    }
    return out;
  }

  private static List<String> traceIds(JsonNode jaegerData) {
    List<String> out = new ArrayList<>();
    jaegerData.forEach(t -> out.add(t.get("traceID").asText()));
    return out;
  }

  private static Set<String> otlpTraceIds(JsonNode tracesData) {
    Set<String> out = new HashSet<>();
    tracesData.get("resourceSpans").forEach(rs -> rs.get("scopeSpans").forEach(ss ->
        ss.get("spans").forEach(s -> out.add(s.get("traceId").asText()))));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The bytes of length-delimited field {@code number} of a protobuf message. */
  private static byte[] field(byte[] message, int number) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag >>> 3 == number) {
        return in.readBytes().toByteArray();
      }
      in.skipField(tag);
    }
    throw new AssertionError("no field " + number);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Encodes the values of {@code a=b&c=d}, keeping the separators. */
  static String encodeValues(String query) {
    int q = query.indexOf('?');
    String path = q < 0 ? "" : query.substring(0, q + 1);
    String params = q < 0 ? query : query.substring(q + 1);
    if (params.isEmpty()) {
      return query;
    }
    StringBuilder sb = new StringBuilder(path);
    String[] pairs = params.split("&");
    for (int i = 0; i < pairs.length; i++) {
      int eq = pairs[i].indexOf('=');
      sb.append(i == 0 ? "" : "&").append(eq < 0 ? pairs[i] : pairs[i].substring(0, eq + 1) + encode(pairs[i].substring(eq + 1)));
    }
    return sb.toString();
  }

  static String url(Server s, String path) {
    return "http://127.0.0.1:" + s.activeLocalPort() + path;
  }

  static Reply get(Server s, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(s, path))).timeout(Duration.ofSeconds(60));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
  }

  /** An HTTP answer. */
  record Reply(int status, String contentType, byte[] body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * A backend with only the base capabilities (trace by ID, services, operations), as a backend
   * without search would be; it reads from the real store.
   */
  static final class BaseReader implements TraceReader {
    private final TraceReader delegate;

    BaseReader(TraceReader delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<Traces> trace(TraceId traceId) {
      return delegate.trace(traceId);
    }

    @Override
    public List<String> services() {
      return delegate.services();
    }

    @Override
    public List<Operation> operations(String service, @Nullable String spanKind) {
      return delegate.operations(service, spanKind);
    }

    @Override
    public Capabilities capabilities() {
      return Capabilities.of(Capabilities.Capability.TRACE_BY_ID);
    }
  }
}
