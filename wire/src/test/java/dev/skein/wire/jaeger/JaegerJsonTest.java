package dev.skein.wire.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JaegerJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SPAN = "b7ad6b7169203331";
  private static final Resource CHECKOUT = Resource.newBuilder()
      .addAttributes(str("service.name", "checkout"))
      .addAttributes(str("host.name", "h1"))
      .addAttributes(kv("process.pid", AnyValue.newBuilder().setIntValue(42)))
      .build();

  @Test
  void rendersEveryMappedField() throws IOException {
    Span span = Span.newBuilder()
        .setTraceId(hex(TRACE))
        .setSpanId(hex(SPAN))
        .setParentSpanId(hex("00f067aa0ba902b7"))
        .setFlags(0x301)
        .setName("SELECT orders")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_700_000_000_123_456_789L)
        .setEndTimeUnixNano(1_700_000_000_923_457_789L)
        .addAttributes(str("http.method", "GET"))
        .addAttributes(kv("cache.hit", AnyValue.newBuilder().setBoolValue(true)))
        .addAttributes(kv("rows", AnyValue.newBuilder().setIntValue(800)))
        .addAttributes(kv("ratio", AnyValue.newBuilder().setDoubleValue(0.25)))
        .addAttributes(kv("payload", AnyValue.newBuilder().setBytesValue(hex("deadbeef"))))
        .addAttributes(kv("tags", array(AnyValue.newBuilder().setStringValue("a").build(),
            AnyValue.newBuilder().setStringValue("b").build())))
        .addAttributes(kv("labels", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
            .addValues(kv("z", AnyValue.newBuilder().setIntValue(1)))
            .addValues(str("a", "x")))))
        .addAttributes(KeyValue.newBuilder().setKey("empty"))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("timeout"))
        .setTraceState("vendor=1")
        .setDroppedAttributesCount(3)
        .setDroppedLinksCount(2)
        .addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(1_700_000_000_200_000_999L)
            .setName("exception")
            .addAttributes(str("exception.type", "java.sql.SQLTimeoutException")))
        .addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(1_700_000_000_300_000_000L)
            .setName("ignored")
            .addAttributes(str("event", "custom")))
        .addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(1_700_000_000_400_000_000L)
            .setDroppedAttributesCount(2))
        .addLinks(Span.Link.newBuilder()
            .setTraceId(hex("5b8efff798038103d269b633813fc60c"))
            .setSpanId(hex("eee19b7ec3c1b174"))
            .addAttributes(str("link.reason", "batch")))
        .addLinks(Span.Link.newBuilder()
            .setTraceId(hex(TRACE))
            .setSpanId(hex("1111111111111111"))
            .addAttributes(str("opentracing.ref_type", "child_of")))
        .build();
    Traces traces = Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(CHECKOUT)
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.jdbc").setVersion("2.10.0"))
            .addSpans(span))
        .build()));

    assertJson(JaegerJson.trace(traces), """
        {
          "traceID": "0af7651916cd43dd8448eb211c80319c",
          "spans": [{
            "traceID": "0af7651916cd43dd8448eb211c80319c",
            "spanID": "b7ad6b7169203331",
            "flags": 1,
            "operationName": "SELECT orders",
            "references": [
              {"refType": "CHILD_OF", "traceID": "0af7651916cd43dd8448eb211c80319c", "spanID": "00f067aa0ba902b7"},
              {"refType": "FOLLOWS_FROM", "traceID": "5b8efff798038103d269b633813fc60c", "spanID": "eee19b7ec3c1b174"},
              {"refType": "CHILD_OF", "traceID": "0af7651916cd43dd8448eb211c80319c", "spanID": "1111111111111111"}
            ],
            "startTime": 1700000000123456,
            "duration": 800001,
            "tags": [
              {"key": "otel.scope.name", "type": "string", "value": "io.opentelemetry.jdbc"},
              {"key": "otel.scope.version", "type": "string", "value": "2.10.0"},
              {"key": "http.method", "type": "string", "value": "GET"},
              {"key": "cache.hit", "type": "bool", "value": true},
              {"key": "rows", "type": "int64", "value": 800},
              {"key": "ratio", "type": "float64", "value": 0.25},
              {"key": "payload", "type": "binary", "value": "3q2+7w=="},
              {"key": "tags", "type": "string", "value": "[\\"a\\",\\"b\\"]"},
              {"key": "labels", "type": "string", "value": "{\\"a\\":\\"x\\",\\"z\\":1}"},
              {"key": "empty", "type": "string", "value": ""},
              {"key": "span.kind", "type": "string", "value": "client"},
              {"key": "otel.status_code", "type": "string", "value": "ERROR"},
              {"key": "error", "type": "bool", "value": true},
              {"key": "otel.status_description", "type": "string", "value": "timeout"},
              {"key": "w3c.tracestate", "type": "string", "value": "vendor=1"},
              {"key": "otel.dropped_attributes_count", "type": "int64", "value": 3},
              {"key": "otel.dropped_links_count", "type": "int64", "value": 2}
            ],
            "logs": [
              {"timestamp": 1700000000200000, "fields": [
                {"key": "event", "type": "string", "value": "exception"},
                {"key": "exception.type", "type": "string", "value": "java.sql.SQLTimeoutException"}]},
              {"timestamp": 1700000000300000, "fields": [
                {"key": "event", "type": "string", "value": "custom"}]},
              {"timestamp": 1700000000400000, "fields": [
                {"key": "otel.dropped_attributes_count", "type": "int64", "value": 2}]}
            ],
            "processID": "p1",
            "warnings": null
          }],
          "processes": {
            "p1": {
              "serviceName": "checkout",
              "tags": [
                {"key": "host.name", "type": "string", "value": "h1"},
                {"key": "process.pid", "type": "int64", "value": 42}
              ]
            }
          },
          "warnings": null
        }
        """);
  }

  @Test
  void rendersAMinimalSpan() throws IOException {
    Span span = Span.newBuilder().setTraceId(hex(TRACE)).setSpanId(hex(SPAN)).setName("op")
        .setStartTimeUnixNano(1_000_000_000L).setEndTimeUnixNano(1_000_000_999L).build();
    assertJson(JaegerJson.trace(one(Resource.getDefaultInstance(), span)), """
        {
          "traceID": "0af7651916cd43dd8448eb211c80319c",
          "spans": [{
            "traceID": "0af7651916cd43dd8448eb211c80319c",
            "spanID": "b7ad6b7169203331",
            "operationName": "op",
            "references": [],
            "startTime": 1000000,
            "duration": 0,
            "tags": [],
            "logs": [],
            "processID": "p1",
            "warnings": null
          }],
          "processes": {"p1": {"serviceName": "unknown_service", "tags": []}},
          "warnings": null
        }
        """);
  }

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of(Span.SpanKind.SPAN_KIND_CLIENT, "client"),
        Arguments.of(Span.SpanKind.SPAN_KIND_SERVER, "server"),
        Arguments.of(Span.SpanKind.SPAN_KIND_PRODUCER, "producer"),
        Arguments.of(Span.SpanKind.SPAN_KIND_CONSUMER, "consumer"),
        Arguments.of(Span.SpanKind.SPAN_KIND_INTERNAL, "internal"),
        Arguments.of(Span.SpanKind.SPAN_KIND_UNSPECIFIED, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void spanKindBecomesTheSpanKindTag(Span.SpanKind kind, String tag) {
    JsonNode tags = firstSpan(span(b -> b.setKind(kind))).get("tags");
    if (tag == null) {
      assertThat(tags).isEmpty();
    } else {
      assertThat(tags).containsExactly(stringTag("span.kind", tag));
    }
  }

  static Stream<Arguments> statuses() {
    return Stream.of(
        Arguments.of(Status.StatusCode.STATUS_CODE_UNSET, "", "[]"),
        Arguments.of(Status.StatusCode.STATUS_CODE_UNSET, "odd",
            "[{'key':'otel.status_description','type':'string','value':'odd'}]"),
        Arguments.of(Status.StatusCode.STATUS_CODE_OK, "",
            "[{'key':'otel.status_code','type':'string','value':'OK'}]"),
        Arguments.of(Status.StatusCode.STATUS_CODE_ERROR, "",
            "[{'key':'otel.status_code','type':'string','value':'ERROR'},"
                + "{'key':'error','type':'bool','value':true}]"),
        Arguments.of(Status.StatusCode.STATUS_CODE_ERROR, "boom",
            "[{'key':'otel.status_code','type':'string','value':'ERROR'},"
                + "{'key':'error','type':'bool','value':true},"
                + "{'key':'otel.status_description','type':'string','value':'boom'}]"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("statuses")
  void statusBecomesTags(Status.StatusCode code, String message, String expectedTags) throws IOException {
    JsonNode tags = firstSpan(span(b -> b.setStatus(Status.newBuilder().setCode(code).setMessage(message))))
        .get("tags");
    assertJson(tags, expectedTags.replace('\'', '"'));
  }

  static Stream<Arguments> attributeStrings() {
    return Stream.of(
        Arguments.of(array(AnyValue.newBuilder().setIntValue(1).build(),
                AnyValue.newBuilder().setStringValue("a").build(),
                AnyValue.newBuilder().setBoolValue(true).build(),
                AnyValue.newBuilder().setDoubleValue(2.5).build(),
                AnyValue.newBuilder().setBytesValue(hex("deadbeef")).build(),
                AnyValue.getDefaultInstance()),
            "[1,\"a\",true,2.5,\"3q2+7w==\",null]"),
        Arguments.of(array(), "[]"),
        Arguments.of(AnyValue.newBuilder().setKvlistValue(KeyValueList.getDefaultInstance()).build(), "{}"),
        Arguments.of(AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(str("b", "first"))
                .addValues(kv("a", array(AnyValue.newBuilder().setIntValue(-3).build())))
                .addValues(str("b", "last"))
                .addValues(str("\uffff", "bmp"))
                .addValues(str("\ud83d\ude00", "astral"))).build(),
            "{\"a\":[-3],\"b\":\"last\",\"\uffff\":\"bmp\",\"\ud83d\ude00\":\"astral\"}"),
        Arguments.of(doubles(2.0, 0.1, -0.0, 1e20, 1e21, 1.5e-7, 1e-6, 123456789.125, -1e300),
            "[2,0.1,-0,100000000000000000000,1e+21,1.5e-7,0.000001,123456789.125,-1e+300]"),
        Arguments.of(doubles(1e-10, Double.NaN, Double.NEGATIVE_INFINITY),
            "[1e-10,\"NaN\",\"-Infinity\"]"),
        Arguments.of(array(AnyValue.newBuilder().setStringValue("<a href=\"x\">&\n\t\u0001\u2028").build()),
            "[\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\n\\t\\u0001\\u2028\"]"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("attributeStrings")
  void arraysAndKvlistsBecomeJsonStringsAsTheCollectorWritesThem(AnyValue value, String expected) {
    JsonNode tags = firstSpan(span(b -> b.addAttributes(kv("v", value)))).get("tags");
    assertThat(tags).containsExactly(stringTag("v", expected));
  }

  static Stream<Arguments> ids() {
    return Stream.of(
        Arguments.of("0af7651916cd43dd8448eb211c80319c", "0af7651916cd43dd8448eb211c80319c"),
        Arguments.of("00000000000000008448eb211c80319c", "8448eb211c80319c"),
        Arguments.of("00000000000000000000000000000001", "0000000000000001"),
        Arguments.of("00000000000000010000000000000000", "00000000000000010000000000000000"),
        Arguments.of("8448eb211c80319c", "8448eb211c80319c"),
        Arguments.of("", "0000000000000000"));
  }

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @MethodSource("ids")
  void traceIdsLeaveOutAZeroHighHalfAsJaegerDoes(String id, String expected) {
    assertThat(JaegerJson.traceId(hex(id))).isEqualTo(expected);
    ObjectNode trace = JaegerJson.trace(one(Resource.getDefaultInstance(),
        Span.newBuilder().setTraceId(hex(id)).setSpanId(hex(SPAN)).setParentSpanId(hex("0102030405060708")).build()));
    assertThat(trace.get("traceID").asText()).isEqualTo(expected);
    assertThat(trace.at("/spans/0/traceID").asText()).isEqualTo(expected);
    assertThat(trace.at("/spans/0/references/0/traceID").asText()).isEqualTo(expected);
  }

  @Test
  void spanIdsAreSixteenDigits() {
    assertThat(JaegerJson.spanId(hex("00f067aa0ba902b7"))).isEqualTo("00f067aa0ba902b7");
    assertThat(JaegerJson.spanId(hex("0ba902b7"))).isEqualTo("000000000ba902b7");
    assertThat(JaegerJson.spanId(ByteString.EMPTY)).isEqualTo("0000000000000000");
  }

  static Stream<Arguments> references() {
    ByteString parent = hex("00f067aa0ba902b7");
    return Stream.of(
        Arguments.of("no parent, no links", ByteString.EMPTY, List.of(), "[]"),
        Arguments.of("all-zero parent is no parent", hex("0000000000000000"), List.of(), "[]"),
        Arguments.of("link to the parent only sets its type", parent,
            List.of(Span.Link.newBuilder().setTraceId(hex(TRACE)).setSpanId(parent).build()),
            "[{'refType':'FOLLOWS_FROM','traceID':'" + TRACE + "','spanID':'00f067aa0ba902b7'}]"),
        Arguments.of("child_of link to the parent keeps CHILD_OF", parent,
            List.of(Span.Link.newBuilder().setTraceId(hex(TRACE)).setSpanId(parent)
                .addAttributes(str("opentracing.ref_type", "child_of")).build()),
            "[{'refType':'CHILD_OF','traceID':'" + TRACE + "','spanID':'00f067aa0ba902b7'}]"),
        Arguments.of("follows_from link is FOLLOWS_FROM", ByteString.EMPTY,
            List.of(Span.Link.newBuilder().setTraceId(hex(TRACE)).setSpanId(hex("0000000000000002"))
                .addAttributes(str("opentracing.ref_type", "follows_from")).build()),
            "[{'refType':'FOLLOWS_FROM','traceID':'" + TRACE + "','spanID':'0000000000000002'}]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("references")
  void parentAndLinksBecomeReferences(String name, ByteString parent, List<Span.Link> links, String expected)
      throws IOException {
    JsonNode refs = firstSpan(span(b -> b.setParentSpanId(parent).addAllLinks(links))).get("references");
    assertJson(refs, expected.replace('\'', '"'));
  }

  @Test
  void flagsShowOnlyTheSampledBit() {
    assertThat(firstSpan(span(b -> b.setFlags(0x01))).get("flags").asInt()).isEqualTo(1);
    assertThat(firstSpan(span(b -> b.setFlags(0x300))).has("flags")).isFalse();
    assertThat(firstSpan(span(b -> b.setFlags(0))).has("flags")).isFalse();
  }

  @Test
  void spansThatEndBeforeTheyStartLastZero() {
    JsonNode span = firstSpan(span(b -> b.setStartTimeUnixNano(2_000_000).setEndTimeUnixNano(1_000_000)));
    assertThat(span.get("startTime").asLong()).isEqualTo(2000);
    assertThat(span.get("duration").asLong()).isZero();
  }

  @Test
  void processesAreSharedByEqualResources() {
    Resource other = Resource.newBuilder().addAttributes(str("service.name", "db")).build();
    Resource checkoutAgain = CHECKOUT.toBuilder().setDroppedAttributesCount(1).build();
    Resource serviceNameNotAString = Resource.newBuilder()
        .addAttributes(kv("service.name", AnyValue.newBuilder().setIntValue(7))).build();
    Traces traces = Traces.of(List.of(
        rs(CHECKOUT, spanWithId(1)),
        rs(other, spanWithId(2)),
        rs(CHECKOUT, spanWithId(3)),
        // Jaeger cannot show the dropped count, so this renders as the first process.
        rs(checkoutAgain, spanWithId(4)),
        rs(serviceNameNotAString, spanWithId(5))));

    ObjectNode trace = JaegerJson.trace(traces);

    assertThat(trace.get("spans")).extracting(s -> s.get("processID").asText())
        .containsExactly("p1", "p2", "p1", "p1", "p3");
    assertThat(trace.get("processes").fieldNames()).toIterable().containsExactly("p1", "p2", "p3");
    assertThat(trace.at("/processes/p1/serviceName").asText()).isEqualTo("checkout");
    assertThat(trace.at("/processes/p2/serviceName").asText()).isEqualTo("db");
    assertThat(trace.at("/processes/p2/tags")).isEmpty();
    assertThat(trace.at("/processes/p3/serviceName").asText()).isEqualTo("unknown_service");
    assertThat(trace.at("/processes/p3/tags/0/key").asText()).isEqualTo("service.name");
    assertThat(trace.at("/processes/p3/tags/0/value").asLong()).isEqualTo(7);
  }

  @Test
  void tracesAreGroupedByTraceId() {
    ByteString a = hex("000000000000000000000000000000aa");
    ByteString b = hex("000000000000000000000000000000bb");
    Traces traces = Traces.of(List.of(rs(CHECKOUT,
        Span.newBuilder().setTraceId(a).setSpanId(hex("0000000000000001")).build(),
        Span.newBuilder().setTraceId(b).setSpanId(hex("0000000000000002")).build(),
        Span.newBuilder().setTraceId(a).setSpanId(hex("0000000000000003")).build())));

    List<ObjectNode> out = JaegerJson.traces(traces);

    assertThat(out).extracting(t -> t.get("traceID").asText()).containsExactly("00000000000000aa", "00000000000000bb");
    assertThat(out.get(0).get("spans")).extracting(s -> s.get("spanID").asText())
        .containsExactly("0000000000000001", "0000000000000003");
    assertThat(JaegerJson.traces(Traces.empty())).isEmpty();
  }

  @Test
  void anEmptyTraceIsRejected() {
    assertThatThrownBy(() -> JaegerJson.trace(Traces.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trace: no spans (expected: the spans of one trace)");
  }

  @Test
  void envelopes() throws IOException {
    ObjectNode trace = JaegerJson.trace(span(b -> b.setName("op")));
    assertJson(JaegerJson.envelope(List.of(trace), 0),
        "{\"data\":[" + MAPPER.writeValueAsString(trace) + "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertJson(JaegerJson.envelope(List.of(new TextNode("checkout"), new TextNode("db")), 2),
        "{\"data\":[\"checkout\",\"db\"],\"total\":2,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertJson(JaegerJson.envelope(List.of(), 0),
        "{\"data\":[],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}");
    assertJson(JaegerJson.traceNotFound(),
        "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}");
    assertJson(JaegerJson.errorEnvelope(0, "partial"),
        "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"msg\":\"partial\"}]}");
  }

  @Test
  void serializesCompactly() {
    assertThat(new String(JaegerJson.toBytes(JaegerJson.traceNotFound()), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}");
  }

  // --------------------------------------------------------------------------------- helpers

  /** Compares as parsed trees, so that numbers compare by value whatever node type holds them. */
  private static void assertJson(JsonNode actual, String expected) throws IOException {
    assertThat(MAPPER.readTree(JaegerJson.toBytes(actual))).isEqualTo(MAPPER.readTree(expected));
  }

  private interface SpanCustomizer {
    void customize(Span.Builder b);
  }

  private static Traces span(SpanCustomizer customizer) {
    Span.Builder b = Span.newBuilder().setTraceId(hex(TRACE)).setSpanId(hex(SPAN));
    customizer.customize(b);
    return one(CHECKOUT, b.build());
  }

  private static JsonNode firstSpan(Traces traces) {
    return JaegerJson.trace(traces).get("spans").get(0);
  }

  private static Traces one(Resource resource, Span span) {
    return Traces.of(List.of(rs(resource, span)));
  }

  private static ResourceSpans rs(Resource resource, Span... spans) {
    return ResourceSpans.newBuilder().setResource(resource)
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))).build();
  }

  private static Span spanWithId(int id) {
    return Span.newBuilder().setTraceId(hex(TRACE)).setSpanId(hex(String.format("%016x", id))).build();
  }

  private static JsonNode stringTag(String key, String value) {
    return MAPPER.createObjectNode().put("key", key).put("type", "string").put("value", value);
  }

  private static AnyValue array(AnyValue... values) {
    return AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(List.of(values))).build();
  }

  private static AnyValue doubles(double... values) {
    ArrayValue.Builder b = ArrayValue.newBuilder();
    for (double v : values) {
      b.addValues(AnyValue.newBuilder().setDoubleValue(v));
    }
    return AnyValue.newBuilder().setArrayValue(b).build();
  }

  private static KeyValue str(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value));
  }

  private static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static ByteString hex(String hex) {
    return ByteString.copyFrom(Hex.decode(hex));
  }
}
