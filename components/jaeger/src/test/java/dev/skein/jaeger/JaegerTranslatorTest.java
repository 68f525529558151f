package dev.skein.jaeger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class JaegerTranslatorTest {
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SPAN = "b7ad6b7169203331";
  private static final String PARENT = "00f067aa0ba902b7";

  // ---- Jaeger to OTLP ----

  @Test
  void readsIdsNamesAndTimes() {
    Model.Span in = jaegerSpan()
        .setOperationName("GET /orders")
        .setStartTime(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123_456_789))
        .setDuration(Duration.newBuilder().setSeconds(1).setNanos(500))
        .build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("checkout", in)));

    assertThat(Hex.encode(out.getTraceId())).isEqualTo(TRACE);
    assertThat(Hex.encode(out.getSpanId())).isEqualTo(SPAN);
    assertThat(out.getName()).isEqualTo("GET /orders");
    assertThat(out.getStartTimeUnixNano()).isEqualTo(1_700_000_000_123_456_789L);
    assertThat(out.getEndTimeUnixNano()).isEqualTo(1_700_000_001_123_457_289L);
    assertThat(out.getParentSpanId()).isEmpty();
  }

  @Test
  void readsA64BitTraceIdAsTheLowHalf() {
    Model.Span in = jaegerSpan().setTraceId(bytes("8448eb211c80319c")).build();

    assertThat(Hex.encode(onlySpan(JaegerTranslator.toTraces(batch("s", in))).getTraceId()))
        .isEqualTo("00000000000000008448eb211c80319c");
  }

  @ParameterizedTest
  @CsvSource({
      "trace_id, 0af7651916cd43dd8448eb,"
          + " 'batch.spans[0].trace_id: 11 bytes (expected: 16, or 8 for a 64-bit trace ID)'",
      "span_id, b7ad6b71692033, 'batch.spans[0].span_id: 7 bytes (expected: 8)'",
      "ref_span_id, b7ad6b716920333100, 'batch.spans[0].references[0].span_id: 9 bytes (expected: 8)'",
  })
  void rejectsIdsOfAnotherSizeNamingTheField(String field, String hex, String message) {
    Model.Span.Builder span = jaegerSpan();
    switch (field) {
      case "trace_id":
        span.setTraceId(bytes(hex));
        break;
      case "span_id":
        span.setSpanId(bytes(hex));
        break;
      default:
        span.addReferences(Model.SpanRef.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes(hex)));
    }

    assertThatThrownBy(() -> JaegerTranslator.toTraces(batch("s", span.build())))
        .isInstanceOf(WireFormatException.class)
        .hasMessage(message);
  }

  @Test
  void namesTheBatchIndexWhenGivenSeveral() {
    Model.Batch bad = batch("s", jaegerSpan().setSpanId(bytes("01")).build());

    assertThatThrownBy(() -> JaegerTranslator.toTraces(List.of(batch("s", jaegerSpan().build()), bad)))
        .hasMessage("batches[1].spans[0].span_id: 1 bytes (expected: 8)");
  }

  static Stream<Arguments> tagTypes() {
    return Stream.of(
        Arguments.of(tag("k").setVType(Model.ValueType.STRING).setVStr("v"), str("v")),
        Arguments.of(tag("k").setVType(Model.ValueType.BOOL).setVBool(true), AnyValue.newBuilder().setBoolValue(true)),
        Arguments.of(tag("k").setVType(Model.ValueType.INT64).setVInt64(-7), AnyValue.newBuilder().setIntValue(-7)),
        Arguments.of(tag("k").setVType(Model.ValueType.FLOAT64).setVFloat64(0.25),
            AnyValue.newBuilder().setDoubleValue(0.25)),
        Arguments.of(tag("k").setVType(Model.ValueType.BINARY).setVBinary(bytes("deadbeef")),
            AnyValue.newBuilder().setBytesValue(bytes("deadbeef"))),
        Arguments.of(tag("k").setVTypeValue(9), str("<Unknown Jaeger TagType \"9\">")));
  }

  @ParameterizedTest
  @MethodSource("tagTypes")
  void readsEachTagType(Model.KeyValue.Builder tag, AnyValue.Builder expected) {
    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", jaegerSpan().addTags(tag).build())));

    assertThat(out.getAttributesList()).containsExactly(kv("k", expected.build()));
  }

  @ParameterizedTest
  @CsvSource({
      "client, SPAN_KIND_CLIENT",
      "server, SPAN_KIND_SERVER",
      "producer, SPAN_KIND_PRODUCER",
      "consumer, SPAN_KIND_CONSUMER",
      "internal, SPAN_KIND_INTERNAL",
      "rpc, SPAN_KIND_UNSPECIFIED",
  })
  void readsSpanKind(String tagValue, Span.SpanKind kind) {
    Model.Span in = jaegerSpan().addTags(stringTag("span.kind", tagValue)).build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(out.getKind()).isEqualTo(kind);
    assertThat(out.getAttributesList()).isEmpty();
  }

  static Stream<Arguments> statuses() {
    Model.KeyValue errorTrue = boolTag("error", true);
    Model.KeyValue errorFalse = boolTag("error", false);
    return Stream.of(
        // tags, kind, expected status (null: unset and absent), attributes left
        Arguments.of(List.of(stringTag("otel.status_code", "OK")), "", Status.StatusCode.STATUS_CODE_OK, "", List.of()),
        Arguments.of(List.of(stringTag("otel.status_code", "error"), stringTag("otel.status_description", "boom")),
            "", Status.StatusCode.STATUS_CODE_ERROR, "boom", List.of()),
        Arguments.of(List.of(errorTrue), "", Status.StatusCode.STATUS_CODE_ERROR, "", List.of()),
        Arguments.of(List.of(errorTrue, stringTag("otel.status_code", "OK"), stringTag("otel.status_description", "d")),
            "", Status.StatusCode.STATUS_CODE_ERROR, "d", List.of()),
        Arguments.of(List.of(errorTrue, stringTag("http.status_message", "Bad Gateway")),
            "", Status.StatusCode.STATUS_CODE_ERROR, "Bad Gateway", List.of("http.status_message")),
        Arguments.of(List.of(errorFalse), "", null, "", List.of("error")),
        Arguments.of(List.of(stringTag("error", "true")), "", null, "", List.of("error")),
        Arguments.of(List.of(intTag("http.status_code", 503)), "", Status.StatusCode.STATUS_CODE_ERROR, "",
            List.of("http.status_code")),
        Arguments.of(List.of(stringTag("http.status_code", "404")), "client", Status.StatusCode.STATUS_CODE_ERROR, "",
            List.of("http.status_code")),
        Arguments.of(List.of(intTag("http.status_code", 404)), "server", null, "", List.of("http.status_code")),
        Arguments.of(List.of(intTag("http.status_code", 200)), "", null, "", List.of("http.status_code")),
        Arguments.of(List.of(intTag("http.response.status_code", 500), stringTag("http.status_message", "oops")),
            "server", Status.StatusCode.STATUS_CODE_ERROR, "oops",
            List.of("http.response.status_code", "http.status_message")),
        Arguments.of(List.of(stringTag("http.status_code", "abc")), "", null, "", List.of("http.status_code")));
  }

  @ParameterizedTest
  @MethodSource("statuses")
  void readsStatusWithTheCollectorsPrecedence(List<Model.KeyValue> tags, String kind, Status.StatusCode code,
      String message, List<String> attributesLeft) {
    Model.Span.Builder in = jaegerSpan().addAllTags(tags);
    if (!kind.isEmpty()) {
      in.addTags(stringTag("span.kind", kind));
    }

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in.build())));

    if (code == null) {
      assertThat(out.hasStatus()).isFalse();
    } else {
      assertThat(out.getStatus().getCode()).isEqualTo(code);
      assertThat(out.getStatus().getMessage()).isEqualTo(message);
    }
    assertThat(out.getAttributesList()).extracting(KeyValue::getKey).containsExactlyElementsOf(attributesLeft);
  }

  @Test
  void readsTraceStateFlagsAndDroppedCounts() {
    Model.Span in = jaegerSpan()
        .setFlags(3)
        .addTags(stringTag("w3c.tracestate", "vendor=1"))
        .addTags(intTag("otel.dropped_attributes_count", 4))
        .addTags(intTag("otel.dropped_events_count", 5))
        .addTags(intTag("otel.dropped_links_count", 6))
        .build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(out.getTraceState()).isEqualTo("vendor=1");
    assertThat(out.getFlags()).as("only the sampled bit is carried").isEqualTo(1);
    assertThat(out.getDroppedAttributesCount()).isEqualTo(4);
    assertThat(out.getDroppedEventsCount()).isEqualTo(5);
    assertThat(out.getDroppedLinksCount()).isEqualTo(6);
    assertThat(out.getAttributesList()).isEmpty();
  }

  @Test
  void keepsADroppedCountThatIsNotACountAsAnAttribute() {
    Model.Span in = jaegerSpan().addTags(stringTag("otel.dropped_links_count", "many")).build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(out.getDroppedLinksCount()).isZero();
    assertThat(out.getAttributesList()).containsExactly(kv("otel.dropped_links_count", str("many").build()));
  }

  @ParameterizedTest
  @CsvSource({
      "otel.scope.name, otel.scope.version",
      "otel.library.name, otel.library.version",
  })
  void groupsSpansByTheScopeTheirTagsName(String nameKey, String versionKey) {
    Model.Span a = jaegerSpan().addTags(stringTag(nameKey, "io.db")).addTags(stringTag(versionKey, "1.2")).build();
    Model.Span b = jaegerSpan().setSpanId(bytes("0000000000000002")).build();
    Model.Span c = jaegerSpan().setSpanId(bytes("0000000000000003"))
        .addTags(stringTag(nameKey, "io.db")).addTags(stringTag(versionKey, "1.2")).build();

    ResourceSpans rs = JaegerTranslator.toTraces(batch("s", a, b, c)).resourceSpans().get(0);

    assertThat(rs.getScopeSpansList()).hasSize(2);
    assertThat(rs.getScopeSpans(0).getScope())
        .isEqualTo(InstrumentationScope.newBuilder().setName("io.db").setVersion("1.2").build());
    assertThat(rs.getScopeSpans(0).getSpansList()).extracting(s -> Hex.encode(s.getSpanId()))
        .containsExactly(SPAN, "0000000000000003");
    assertThat(rs.getScopeSpans(0).getSpans(0).getAttributesList()).isEmpty();
    assertThat(rs.getScopeSpans(1).getScope()).isEqualTo(InstrumentationScope.getDefaultInstance());
  }

  @Test
  void readsTheParentAndLinksFromReferences() {
    String other = "5b8efff798038103d269b633813fc60c";
    Model.Span in = jaegerSpan()
        .addReferences(ref(other, "eee19b7ec3c1b174", Model.SpanRefType.CHILD_OF))
        .addReferences(ref(TRACE, PARENT, Model.SpanRefType.CHILD_OF))
        .addReferences(ref(TRACE, "1111111111111111", Model.SpanRefType.FOLLOWS_FROM))
        .build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(Hex.encode(out.getParentSpanId())).as("first CHILD_OF in the same trace").isEqualTo(PARENT);
    assertThat(out.getLinksList()).containsExactly(
        link(other, "eee19b7ec3c1b174", "child_of"),
        link(TRACE, "1111111111111111", "follows_from"));
  }

  @Test
  void takesAFollowsFromReferenceAsParentWhenThereIsNoChildOf() {
    Model.Span in = jaegerSpan().addReferences(ref(TRACE, PARENT, Model.SpanRefType.FOLLOWS_FROM)).build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(Hex.encode(out.getParentSpanId())).isEqualTo(PARENT);
    assertThat(out.getLinksList()).containsExactly(link(TRACE, PARENT, "follows_from"));
  }

  @Test
  void readsLogsAsEvents() {
    Model.Span in = jaegerSpan()
        .addLogs(Model.Log.newBuilder()
            .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5))
            .addFields(stringTag("event", "exception"))
            .addFields(stringTag("exception.type", "SQLTimeoutException"))
            .addFields(intTag("otel.dropped_attributes_count", 2)))
        .addLogs(Model.Log.newBuilder().addFields(stringTag("message", "hello")))
        .build();

    Span out = onlySpan(JaegerTranslator.toTraces(batch("s", in)));

    assertThat(out.getEventsList()).containsExactly(
        Span.Event.newBuilder().setTimeUnixNano(1_700_000_000_000_000_005L).setName("exception")
            .addAttributes(kv("exception.type", str("SQLTimeoutException").build()))
            .setDroppedAttributesCount(2).build(),
        Span.Event.newBuilder().addAttributes(kv("message", str("hello").build())).build());
  }

  @Test
  void readsTheProcessAsTheResource() {
    Model.Batch b = Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName("checkout")
            .addTags(stringTag("hostname", "h1"))
            .addTags(stringTag("jaeger.version", "Java-1.8.1"))
            .addTags(intTag("pid", 42)))
        .addSpans(jaegerSpan())
        .build();

    Resource r = JaegerTranslator.toTraces(b).resourceSpans().get(0).getResource();

    assertThat(r.getAttributesList()).containsExactly(
        kv("service.name", str("checkout").build()),
        kv("pid", AnyValue.newBuilder().setIntValue(42).build()),
        kv("host.name", str("h1").build()),
        kv("opencensus.exporterversion", str("Jaeger-Java-1.8.1").build()));
  }

  @Test
  void keepsHostnameWhenHostNameIsAlsoThere() {
    Model.Process p = Model.Process.newBuilder().setServiceName("s")
        .addTags(stringTag("hostname", "h1")).addTags(stringTag("host.name", "h2")).build();

    Resource r = JaegerTranslator.toTraces(Model.Batch.newBuilder().setProcess(p).addSpans(jaegerSpan()).build())
        .resourceSpans().get(0).getResource();

    assertThat(r.getAttributesList()).extracting(KeyValue::getKey)
        .containsExactly("service.name", "hostname", "host.name");
  }

  @ParameterizedTest
  @CsvSource({"OTLPResourceNoServiceName", "''"})
  void readsAnEmptyResourceFromTheCollectorsPlaceholderOrNothing(String serviceName) {
    Model.Batch b = Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName(serviceName)).addSpans(jaegerSpan()).build();

    assertThat(JaegerTranslator.toTraces(b).resourceSpans().get(0).getResource())
        .isEqualTo(Resource.getDefaultInstance());
  }

  @Test
  void groupsSpansByProcessWithTheSpansOwnProcessFirst() {
    Model.Process other = Model.Process.newBuilder().setServiceName("other").build();
    Model.Batch first = Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName("main"))
        .addSpans(jaegerSpan().setSpanId(bytes("0000000000000001")))
        .addSpans(jaegerSpan().setSpanId(bytes("0000000000000002")).setProcess(other))
        .addSpans(Model.Span.getDefaultInstance())
        .build();
    Model.Batch second = Model.Batch.newBuilder()
        .setProcess(other)
        .addSpans(jaegerSpan().setSpanId(bytes("0000000000000003")))
        .build();

    Traces t = JaegerTranslator.toTraces(List.of(first, second));

    assertThat(t.resourceSpans()).hasSize(2);
    assertThat(t.spanCount()).as("the empty span is skipped").isEqualTo(3);
    assertThat(serviceAndSpans(t.resourceSpans().get(0))).isEqualTo("main: 0000000000000001");
    assertThat(serviceAndSpans(t.resourceSpans().get(1))).isEqualTo("other: 0000000000000002 0000000000000003");
  }

  // ---- OTLP to Jaeger ----

  @Test
  void writesEveryMappedField() {
    Span span = Span.newBuilder()
        .setTraceId(bytes(TRACE))
        .setSpanId(bytes(SPAN))
        .setParentSpanId(bytes(PARENT))
        .setFlags(0x301)
        .setName("SELECT orders")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_700_000_000_123_456_789L)
        .setEndTimeUnixNano(1_700_000_000_923_457_789L)
        .addAttributes(kv("db.system", str("postgresql").build()))
        .addAttributes(kv("tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(str("a")).addValues(AnyValue.newBuilder().setIntValue(2))).build()))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("timeout"))
        .setTraceState("vendor=1")
        .setDroppedAttributesCount(3)
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_700_000_000_200_000_000L).setName("exception")
            .addAttributes(kv("exception.type", str("E").build())))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes("5b8efff798038103d269b633813fc60c"))
            .setSpanId(bytes("eee19b7ec3c1b174")))
        .build();
    Traces traces = Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(kv("service.name", str("db").build()))
            .addAttributes(kv("host.name", str("h1").build())))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("io.db").setVersion("1.2"))
            .addSpans(span))
        .build()));

    List<Model.Batch> batches = JaegerTranslator.toBatches(traces);

    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).getProcess()).isEqualTo(Model.Process.newBuilder().setServiceName("db")
        .addTags(stringTag("host.name", "h1")).build());
    Model.Span out = batches.get(0).getSpans(0);
    assertThat(out.getTraceId()).isEqualTo(bytes(TRACE));
    assertThat(out.getSpanId()).isEqualTo(bytes(SPAN));
    assertThat(out.getFlags()).isEqualTo(1);
    assertThat(out.getOperationName()).isEqualTo("SELECT orders");
    assertThat(out.getStartTime())
        .isEqualTo(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123_456_789).build());
    assertThat(out.getDuration()).isEqualTo(Duration.newBuilder().setNanos(800_001_000).build());
    assertThat(out.getReferencesList()).containsExactly(
        ref(TRACE, PARENT, Model.SpanRefType.CHILD_OF),
        ref("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", Model.SpanRefType.FOLLOWS_FROM));
    assertThat(out.getTagsList()).containsExactly(
        stringTag("otel.scope.name", "io.db"),
        stringTag("otel.scope.version", "1.2"),
        stringTag("db.system", "postgresql"),
        stringTag("tags", "[\"a\",2]"),
        stringTag("span.kind", "client"),
        stringTag("otel.status_code", "ERROR"),
        boolTag("error", true),
        stringTag("otel.status_description", "timeout"),
        stringTag("w3c.tracestate", "vendor=1"),
        intTag("otel.dropped_attributes_count", 3));
    assertThat(out.getLogsList()).containsExactly(Model.Log.newBuilder()
        .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(200_000_000))
        .addFields(stringTag("event", "exception"))
        .addFields(stringTag("exception.type", "E"))
        .build());
  }

  static Stream<Arguments> attributeTypes() {
    return Stream.of(
        Arguments.of(str("v"), stringTag("k", "v")),
        Arguments.of(AnyValue.newBuilder().setBoolValue(false), boolTag("k", false)),
        Arguments.of(AnyValue.newBuilder().setIntValue(Long.MIN_VALUE), intTag("k", Long.MIN_VALUE)),
        Arguments.of(AnyValue.newBuilder().setDoubleValue(1e21),
            tag("k").setVType(Model.ValueType.FLOAT64).setVFloat64(1e21).build()),
        Arguments.of(AnyValue.newBuilder().setBytesValue(bytes("00ff")),
            tag("k").setVType(Model.ValueType.BINARY).setVBinary(bytes("00ff")).build()),
        Arguments.of(AnyValue.newBuilder(), stringTag("k", "")));
  }

  @ParameterizedTest
  @MethodSource("attributeTypes")
  void writesEachAttributeType(AnyValue.Builder value, Model.KeyValue expected) {
    Span span = otlpSpan().addAttributes(kv("k", value.build())).build();

    assertThat(onlyJaegerSpan(span).getTagsList()).containsExactly(expected);
  }

  @ParameterizedTest
  @CsvSource({
      "SPAN_KIND_CLIENT, client",
      "SPAN_KIND_SERVER, server",
      "SPAN_KIND_PRODUCER, producer",
      "SPAN_KIND_CONSUMER, consumer",
      "SPAN_KIND_INTERNAL, internal",
  })
  void writesSpanKind(Span.SpanKind kind, String tagValue) {
    assertThat(onlyJaegerSpan(otlpSpan().setKind(kind).build()).getTagsList())
        .containsExactly(stringTag("span.kind", tagValue));
  }

  @Test
  void writesNoTagsForAnUnspecifiedKindAndUnsetStatus() {
    assertThat(onlyJaegerSpan(otlpSpan().build()).getTagsList()).isEmpty();
  }

  @Test
  void writesOkStatusWithoutAnErrorTag() {
    assertThat(onlyJaegerSpan(otlpSpan().setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
        .build()).getTagsList()).containsExactly(stringTag("otel.status_code", "OK"));
  }

  @Test
  void aLinkToTheParentOnlySetsTheParentReferenceType() {
    Span span = otlpSpan()
        .setParentSpanId(bytes(PARENT))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes(PARENT))
            .addAttributes(kv("opentracing.ref_type", str("follows_from").build())))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes("1111111111111111"))
            .addAttributes(kv("opentracing.ref_type", str("child_of").build())))
        .build();

    assertThat(onlyJaegerSpan(span).getReferencesList()).containsExactly(
        ref(TRACE, PARENT, Model.SpanRefType.FOLLOWS_FROM),
        ref(TRACE, "1111111111111111", Model.SpanRefType.CHILD_OF));
  }

  @Test
  void writesAnEventNameOnlyWhenNoAttributeIsCalledEvent() {
    Span span = otlpSpan()
        .addEvents(Span.Event.newBuilder().setName("ignored").addAttributes(kv("event", str("custom").build()))
            .setDroppedAttributesCount(1))
        .build();

    assertThat(onlyJaegerSpan(span).getLogs(0).getFieldsList())
        .containsExactly(stringTag("event", "custom"), intTag("otel.dropped_attributes_count", 1));
  }

  @Test
  void writesTheCollectorsPlaceholderForAResourceWithoutAttributes() {
    Traces t = Traces.of(List.of(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(otlpSpan())).build()));

    assertThat(JaegerTranslator.toBatches(t).get(0).getProcess())
        .isEqualTo(Model.Process.newBuilder().setServiceName("OTLPResourceNoServiceName").build());
  }

  @Test
  void writesOneBatchPerResourceAndNoneForResourcesWithoutSpans() {
    Traces t = Traces.of(List.of(
        resourceSpans("a", otlpSpan().build()),
        ResourceSpans.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(kv("service.name", str("empty").build()))).build(),
        resourceSpans("b", otlpSpan().build(), otlpSpan().setSpanId(bytes("0000000000000009")).build())));

    List<Model.Batch> batches = JaegerTranslator.toBatches(t);

    assertThat(batches).extracting(b -> b.getProcess().getServiceName()).containsExactly("a", "b");
    assertThat(batches.get(1).getSpansCount()).isEqualTo(2);
  }

  @Test
  void writesANegativeDurationForASpanThatEndsBeforeItStarts() {
    Span span = otlpSpan().setStartTimeUnixNano(2_000_000_000L).setEndTimeUnixNano(500_000_000L).build();

    assertThat(onlyJaegerSpan(span).getDuration())
        .isEqualTo(Duration.newBuilder().setSeconds(-1).setNanos(-500_000_000).build());
  }

  // ---- helpers ----

  static Model.Span.Builder jaegerSpan() {
    return Model.Span.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes(SPAN)).setOperationName("op");
  }

  static Span.Builder otlpSpan() {
    return Span.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes(SPAN)).setName("op");
  }

  private static Model.Span onlyJaegerSpan(Span span) {
    List<Model.Batch> batches = JaegerTranslator.toBatches(Traces.of(List.of(resourceSpans("s", span))));
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).getSpansList()).hasSize(1);
    return batches.get(0).getSpans(0);
  }

  static ResourceSpans resourceSpans(String service, Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", str(service).build())))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
        .build();
  }

  static Model.Batch batch(String service, Model.Span... spans) {
    return Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName(service))
        .addAllSpans(List.of(spans))
        .build();
  }

  private static Span onlySpan(Traces t) {
    assertThat(t.spanCount()).isEqualTo(1);
    return t.resourceSpans().get(0).getScopeSpans(0).getSpans(0);
  }

  private static String serviceAndSpans(ResourceSpans rs) {
    StringBuilder b = new StringBuilder(rs.getResource().getAttributes(0).getValue().getStringValue()).append(':');
    rs.getScopeSpansList().forEach(ss ->
        ss.getSpansList().forEach(s -> b.append(' ').append(Hex.encode(s.getSpanId()))));
    return b.toString();
  }

  static Model.SpanRef ref(String traceId, String spanId, Model.SpanRefType type) {
    return Model.SpanRef.newBuilder().setTraceId(bytes(traceId)).setSpanId(bytes(spanId)).setRefType(type).build();
  }

  private static Span.Link link(String traceId, String spanId, String refType) {
    return Span.Link.newBuilder().setTraceId(bytes(traceId)).setSpanId(bytes(spanId))
        .addAttributes(kv("opentracing.ref_type", str(refType).build())).build();
  }

  static Model.KeyValue.Builder tag(String key) {
    return Model.KeyValue.newBuilder().setKey(key);
  }

  static Model.KeyValue stringTag(String key, String value) {
    return tag(key).setVType(Model.ValueType.STRING).setVStr(value).build();
  }

  static Model.KeyValue boolTag(String key, boolean value) {
    return tag(key).setVType(Model.ValueType.BOOL).setVBool(value).build();
  }

  static Model.KeyValue intTag(String key, long value) {
    return tag(key).setVType(Model.ValueType.INT64).setVInt64(value).build();
  }

  static AnyValue.Builder str(String s) {
    return AnyValue.newBuilder().setStringValue(s);
  }

  static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static ByteString bytes(String hex) {
    return ByteString.copyFrom(Hex.decode(hex));
  }
}
