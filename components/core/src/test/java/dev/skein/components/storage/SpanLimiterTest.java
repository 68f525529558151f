package dev.skein.components.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.components.storage.StorageExtensionConfig.LimitsConfig;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SpanLimiterTest {
  private static final ByteString TRACE_A = trace(1);
  private static final ByteString TRACE_B = trace(2);
  private static final ByteString TRACE_C = trace(3);

  private final Telemetry telemetry = new Telemetry();

  @Test
  void aBatchWithinTheLimitsIsTheSameInstance() {
    Traces in = batch(span(TRACE_A, 1).addAttributes(kv("http.route", "/orders/{id}")).build());

    assertUnchanged(limits(), in);
  }

  @Test
  void aBatchAtEveryLimitButOverNoneIsTheSameInstance() {
    LimitsConfig l = limits();
    l.maxAttributeValueLength = 4;
    l.maxAttributesPerSpan = 2;
    l.maxEventsPerSpan = 2;
    l.maxLinksPerSpan = 1;
    l.maxSpansPerTrace = 2;
    AnyValue array = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(str("abcd"))
        .addValues(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3, 4})))).build();
    AnyValue kvlist = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("k", "wxyz")))
        .build();
    Span.Event event = Span.Event.newBuilder().setName("e").addAttributes(kv("a", "abcd"))
        .addAttributes(kv("b", "abcd")).build();
    Span full = span(TRACE_A, 1)
        // Four code points in twelve UTF-8 bytes.
        .addAttributes(kv("cjk", "\u4E2D\u6587\u5B57\u7B26"))
        .addAttributes(KeyValue.newBuilder().setKey("array").setValue(array))
        .addEvents(event).addEvents(event)
        .addLinks(Span.Link.newBuilder().setTraceId(TRACE_B).setSpanId(spanId(1))
            .addAttributes(KeyValue.newBuilder().setKey("kvlist").setValue(kvlist)).addAttributes(kv("c", "abcd")))
        .build();
    ResourceSpans rs = resource("shop", span(TRACE_A, 2).build(), span(TRACE_B, 1).build()).toBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("lib")
            .addAttributes(kv("s1", "abcd")).addAttributes(kv("s2", "abcd"))).addSpans(full))
        .build();
    Traces in = Traces.of(List.of(rs, resource("cart", span(TRACE_B, 2).build())));

    assertUnchanged(l, in);
  }

  @Test
  void rebuildsOnlyTheMessagesThatHoldSomethingOverALimit() {
    LimitsConfig l = limits();
    l.maxAttributeValueLength = 4;
    Span.Event event = Span.Event.newBuilder().setName("e").addAttributes(kv("a", "abcd")).build();
    Span within = span(TRACE_A, 1).addAttributes(kv("ok", "abcd")).build();
    Span over = span(TRACE_A, 2).addAttributes(kv("ok", "abcd")).addAttributes(kv("long", "abcdefgh"))
        .addEvents(event).build();
    ResourceSpans cut = resource("shop", within, over);
    ResourceSpans untouched = resource("cart", span(TRACE_B, 1).build());
    Traces in = Traces.of(List.of(cut, untouched));

    Traces out = limitAndCount(l, in);

    assertThat(out).isNotSameAs(in);
    assertThat(out.resourceSpans().get(1)).isSameAs(untouched);
    ScopeSpans scope = out.resourceSpans().get(0).getScopeSpans(0);
    assertThat(scope.getSpans(0)).isSameAs(within);
    Span got = scope.getSpans(1);
    assertThat(got.getAttributesList()).containsExactly(kv("ok", "abcd"), kv("long", "abcd"));
    assertThat(got.getAttributes(0)).isSameAs(over.getAttributes(0));
    assertThat(got.getEvents(0)).isSameAs(event);
    assertThat(counter(SpanLimiter.TRUNCATED_VALUES)).isEqualTo(1);
  }

  @Test
  void cutsStringsToTheLimitInCodePointsWithoutSplittingASurrogatePair() {
    LimitsConfig l = limits();
    l.maxAttributeValueLength = 4;
    // "a😀b😀c": 5 code points, 7 UTF-16 units, 11 UTF-8 bytes.
    String emoji = "a\uD83D\uDE00b\uD83D\uDE00c";
    Traces in = batch(span(TRACE_A, 1)
        .addAttributes(kv("emoji", emoji))
        .addAttributes(kv("exact", "abcd"))
        .addAttributes(kv("ascii", "abcdefgh"))
        // Four code points of three UTF-8 bytes each: longer than the limit in bytes, not in code points.
        .addAttributes(kv("cjk", "\u4E2D\u6587\u5B57\u7B26"))
        .build());

    Traces out = limitAndCount(l, in);

    Map<String, String> values = stringValues(only(out).getAttributesList());
    assertThat(values).containsExactly(Map.entry("emoji", "a\uD83D\uDE00b\uD83D\uDE00"),
        Map.entry("exact", "abcd"), Map.entry("ascii", "abcd"), Map.entry("cjk", "\u4E2D\u6587\u5B57\u7B26"));
    assertThat(new String(values.get("emoji").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(values.get("emoji"));
    assertThat(only(out).getDroppedAttributesCount()).isZero();
    // The two span values, and the resource's service.name "checkout".
    assertThat(counter(SpanLimiter.TRUNCATED_VALUES)).isEqualTo(3);
  }

  @Test
  void cutsBytesAndTheElementsOfArraysAndKeyValueListsEachOnTheirOwn() {
    LimitsConfig l = limits();
    l.maxAttributeValueLength = 3;
    AnyValue array = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
        .addValues(str("abcdef")).addValues(str("ab")).addValues(AnyValue.newBuilder().setIntValue(123456))
        .addValues(str("xyzxyz"))).build();
    AnyValue kvlist = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(kv("inner", "longer"))).build();
    Traces in = batch(span(TRACE_A, 1)
        .addAttributes(KeyValue.newBuilder().setKey("bytes")
            .setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5}))))
        .addAttributes(KeyValue.newBuilder().setKey("array").setValue(array))
        .addAttributes(KeyValue.newBuilder().setKey("kvlist").setValue(kvlist))
        .build());

    Traces out = limitAndCount(l, in);

    List<KeyValue> a = only(out).getAttributesList();
    assertThat(a.get(0).getValue().getBytesValue()).isEqualTo(ByteString.copyFrom(new byte[] {1, 2, 3}));
    assertThat(a.get(1).getValue().getArrayValue().getValuesList()).containsExactly(
        str("abc"), str("ab"), AnyValue.newBuilder().setIntValue(123456).build(), str("xyz"));
    assertThat(a.get(2).getValue().getKvlistValue().getValues(0)).isEqualTo(kv("inner", "lon"));
    // Four span values, and the resource's service.name "checkout".
    assertThat(counter(SpanLimiter.TRUNCATED_VALUES)).isEqualTo(5);
  }

  @Test
  void keepsTheFirstAttributesEventsAndLinksAndAddsTheRestToTheDroppedCounts() {
    LimitsConfig l = limits();
    l.maxAttributesPerSpan = 2;
    l.maxEventsPerSpan = 1;
    l.maxLinksPerSpan = 2;
    Span.Builder s = span(TRACE_A, 1).setDroppedAttributesCount(10).setDroppedEventsCount(1);
    for (int i = 0; i < 5; i++) {
      s.addAttributes(kv("a" + i, "v"));
    }
    s.addEvents(Span.Event.newBuilder().setName("first").addAttributes(kv("e0", "v")).addAttributes(kv("e1", "v"))
        .addAttributes(kv("e2", "v")));
    s.addEvents(Span.Event.newBuilder().setName("second"));
    s.addEvents(Span.Event.newBuilder().setName("third"));
    for (int i = 0; i < 3; i++) {
      s.addLinks(Span.Link.newBuilder().setTraceId(TRACE_B).setSpanId(spanId(i)).addAttributes(kv("l0", "v"))
          .addAttributes(kv("l1", "v")).addAttributes(kv("l2", "v")).addAttributes(kv("l3", "v")));
    }
    Traces in = batch(s.build());

    Traces out = limitAndCount(l, in);

    Span span = only(out);
    assertThat(span.getAttributesList()).extracting(KeyValue::getKey).containsExactly("a0", "a1");
    assertThat(span.getDroppedAttributesCount()).isEqualTo(13);
    assertThat(span.getEventsList()).extracting(Span.Event::getName).containsExactly("first");
    assertThat(span.getDroppedEventsCount()).isEqualTo(3);
    assertThat(span.getEvents(0).getAttributesList()).extracting(KeyValue::getKey).containsExactly("e0", "e1");
    assertThat(span.getEvents(0).getDroppedAttributesCount()).isEqualTo(1);
    assertThat(span.getLinksList()).extracting(Span.Link::getSpanId).containsExactly(spanId(0), spanId(1));
    assertThat(span.getDroppedLinksCount()).isEqualTo(1);
    assertThat(span.getLinksList()).allSatisfy(link -> {
      assertThat(link.getAttributesList()).extracting(KeyValue::getKey).containsExactly("l0", "l1");
      assertThat(link.getDroppedAttributesCount()).isEqualTo(2);
    });
    assertThat(counter(SpanLimiter.DROPPED_ATTRIBUTES)).isEqualTo(3 + 1 + 2 * 2);
    assertThat(counter(SpanLimiter.DROPPED_EVENTS)).isEqualTo(2);
    assertThat(counter(SpanLimiter.DROPPED_LINKS)).isEqualTo(1);
  }

  @Test
  void cutsTheAttributesOfAnEventOrALinkInASpanOtherwiseWithinTheLimits() {
    LimitsConfig l = limits();
    l.maxAttributesPerSpan = 2;
    List<KeyValue> three = List.of(kv("x0", "v"), kv("x1", "v"), kv("x2", "v"));
    Traces in = batch(
        span(TRACE_A, 1).addEvents(Span.Event.newBuilder().setName("e").addAllAttributes(three)).build(),
        span(TRACE_A, 2).addLinks(Span.Link.newBuilder().setTraceId(TRACE_B).setSpanId(spanId(1))
            .addAllAttributes(three)).build());

    Traces out = limitAndCount(l, in);

    List<Span> spans = out.resourceSpans().get(0).getScopeSpans(0).getSpansList();
    assertThat(spans.get(0).getEvents(0).getAttributesList()).containsExactlyElementsOf(three.subList(0, 2));
    assertThat(spans.get(0).getEvents(0).getDroppedAttributesCount()).isEqualTo(1);
    assertThat(spans.get(1).getLinks(0).getAttributesList()).containsExactlyElementsOf(three.subList(0, 2));
    assertThat(spans.get(1).getLinks(0).getDroppedAttributesCount()).isEqualTo(1);
    assertThat(counter(SpanLimiter.DROPPED_ATTRIBUTES)).isEqualTo(2);
  }

  @Test
  void limitsResourceAndScopeAttributesToo() {
    LimitsConfig l = limits();
    l.maxAttributesPerSpan = 1;
    l.maxAttributeValueLength = 2;
    ResourceSpans rs = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", "checkout")).addAttributes(kv("x", "y")))
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("lib").addAttributes(kv("s1", "abc"))
                .addAttributes(kv("s2", "abc")))
            .addSpans(span(TRACE_A, 1)))
        .build();

    ResourceSpans got = limitAndCount(l, Traces.of(List.of(rs))).resourceSpans().get(0);
    assertThat(got.getResource().getAttributesList()).containsExactly(kv("service.name", "ch"));
    assertThat(got.getResource().getDroppedAttributesCount()).isEqualTo(1);
    assertThat(got.getScopeSpans(0).getScope().getAttributesList()).containsExactly(kv("s1", "ab"));
    assertThat(got.getScopeSpans(0).getScope().getDroppedAttributesCount()).isEqualTo(1);
    assertThat(got.getScopeSpans(0).getScope().getName()).isEqualTo("lib");
  }

  @Test
  void aDroppedCountAtTheMaximumOfUint32StaysThere() {
    LimitsConfig l = limits();
    l.maxAttributesPerSpan = 1;
    Traces in = batch(span(TRACE_A, 1).setDroppedAttributesCount(-2) // 2^32 - 2 as uint32
        .addAttributes(kv("a", "v")).addAttributes(kv("b", "v")).addAttributes(kv("c", "v")).build());

    Span span = only(limiter(l).limit(in).traces());

    assertThat(Integer.toUnsignedLong(span.getDroppedAttributesCount())).isEqualTo(0xFFFF_FFFFL);
  }

  @Test
  void storesSpansOfATraceUpToTheCapAndDropsTheRest() {
    SpanLimiter limiter = capped(3);

    SpanLimiter.Limited first = limiter.limit(batch(span(TRACE_A, 1).build(), span(TRACE_A, 2).build(),
        span(TRACE_B, 1).build()));
    first.count(telemetry, "storage");
    SpanLimiter.Limited second = limiter.limit(batch(span(TRACE_A, 3).build(), span(TRACE_A, 4).build(),
        span(TRACE_B, 2).build(), span(TRACE_A, 5).build()));
    second.count(telemetry, "storage");
    SpanLimiter.Limited third = limiter.limit(batch(span(TRACE_A, 6).build()));
    third.count(telemetry, "storage");

    assertThat(first.traces().spanCount()).isEqualTo(3);
    assertThat(spanIds(second.traces())).containsExactly("A3", "B2");
    assertThat(third.traces().isEmpty()).isTrue();
    assertThat(third.traces().resourceSpans()).isEmpty();
    assertThat(counter(SpanLimiter.DROPPED_SPANS)).isEqualTo(3);
  }

  @Test
  void keepsTheFirstSpansOfEachTraceInBatchOrderAcrossResourcesAndScopes() {
    SpanLimiter limiter = capped(2);
    Traces in = Traces.of(List.of(
        resource("shop", span(TRACE_A, 1).build(), span(TRACE_B, 1).build(), span(TRACE_A, 2).build(),
            span(TRACE_C, 1).build(), span(TRACE_A, 3).build()),
        resource("cart", span(TRACE_B, 2).build(), span(TRACE_B, 3).build(), span(TRACE_A, 4).build()),
        // Every span of this resource is over its trace's cap, so the resource goes too.
        resource("pay", span(TRACE_A, 5).build())));

    SpanLimiter.Limited first = limiter.limit(in);
    first.count(telemetry, "storage");
    SpanLimiter.Limited second = limiter.limit(batch(span(TRACE_C, 2).build(), span(TRACE_C, 3).build(),
        span(TRACE_A, 6).build(), span(TRACE_B, 4).build()));
    second.count(telemetry, "storage");

    assertThat(spanIds(first.traces())).containsExactly("A1", "B1", "A2", "C1", "B2");
    assertThat(first.traces().resourceSpans()).extracting(rs -> rs.getResource().getAttributes(0).getValue()
        .getStringValue()).containsExactly("shop", "cart");
    assertThat(spanIds(second.traces())).containsExactly("C2");
    assertThat(counter(SpanLimiter.DROPPED_SPANS)).isEqualTo(4 + 3);

    second.unwritten();
    assertThat(spanIds(limiter.limit(batch(span(TRACE_C, 2).build(), span(TRACE_C, 3).build())).traces()))
        .containsExactly("C2");
  }

  @Test
  void countsTracesPerTenant() {
    SpanLimiter limiter = capped(1);

    assertThat(limiter.limit(batch(span(TRACE_A, 1).build()).withTenant("acme")).traces().spanCount()).isEqualTo(1);
    SpanLimiter.Limited other = limiter.limit(batch(span(TRACE_A, 2).build()).withTenant("globex"));
    SpanLimiter.Limited again = limiter.limit(batch(span(TRACE_A, 3).build()).withTenant("acme"));

    assertThat(other.traces().spanCount()).isEqualTo(1);
    assertThat(other.traces().tenant()).isEqualTo("globex");
    assertThat(again.traces().spanCount()).isZero();
    assertThat(again.traces().tenant()).isEqualTo("acme");
  }

  @Test
  void aBatchThatWasNotWrittenGivesItsSpansBack() {
    SpanLimiter limiter = capped(2);
    Traces in = batch(span(TRACE_A, 1).build(), span(TRACE_A, 2).build());

    limiter.limit(in).unwritten();
    SpanLimiter.Limited retry = limiter.limit(in);

    assertThat(retry.traces()).isSameAs(in);
    assertThat(limiter.limit(batch(span(TRACE_A, 3).build())).traces().isEmpty()).isTrue();
  }

  @Test
  void forgetsTheLeastRecentlyWrittenTraceBeyondMaxTrackedTraces() {
    SpanLimiter limiter = capped(1, 1);

    limiter.limit(batch(span(TRACE_A, 1).build()));
    limiter.limit(batch(span(TRACE_B, 1).build()));

    // TRACE_B evicted TRACE_A's count, so TRACE_A's cap starts again from zero.
    assertThat(limiter.limit(batch(span(TRACE_A, 2).build())).traces().spanCount()).isEqualTo(1);
    assertThat(limiter.limit(batch(span(TRACE_A, 3).build())).traces().spanCount()).isZero();
  }

  @Test
  void aBatchLeavesItsTracesInTheLruInTheOrderTheirLastSpansCame() {
    SpanLimiter limiter = capped(1, 2);

    SpanLimiter.Limited first = limiter.limit(batch(span(TRACE_A, 1).build(), span(TRACE_B, 1).build(),
        span(TRACE_C, 1).build(), span(TRACE_A, 2).build()));

    assertThat(spanIds(first.traces())).containsExactly("A1", "B1", "C1");
    // A came last, so B is the one forgotten.
    assertThat(limiter.limit(batch(span(TRACE_A, 3).build())).traces().isEmpty()).isTrue();
    assertThat(spanIds(limiter.limit(batch(span(TRACE_B, 2).build())).traces())).containsExactly("B2");
  }

  @Test
  void aTenMegabyteValueAndAHundredThousandAttributesAreCutToTheDefaults() {
    Span.Builder s = span(TRACE_A, 1).addAttributes(kv("big", "x".repeat(10 << 20)));
    for (int i = 0; i < 100_000; i++) {
      s.addAttributes(kv("k" + i, "v"));
    }

    Traces out = limitAndCount(limits(), batch(s.build()));

    Span span = only(out);
    assertThat(span.getAttributes(0).getValue().getStringValue()).hasSize(65_536);
    assertThat(span.getAttributesCount()).isEqualTo(1_024);
    assertThat(span.getDroppedAttributesCount()).isEqualTo(100_001 - 1_024);
    assertThat(counter(SpanLimiter.TRUNCATED_VALUES)).isEqualTo(1);
    assertThat(counter(SpanLimiter.DROPPED_ATTRIBUTES)).isEqualTo(100_001 - 1_024);
  }

  /** Cuts {@code in} to {@code l} and counts what was cut, as the exporter does once the batch is written. */
  private Traces limitAndCount(LimitsConfig l, Traces in) {
    SpanLimiter.Limited out = limiter(l).limit(in);
    out.count(telemetry, "storage");
    return out.traces();
  }

  private void assertUnchanged(LimitsConfig l, Traces in) {
    assertThat(limitAndCount(l, in)).isSameAs(in);
    assertThat(telemetry.counters()).isEmpty();
  }

  private long counter(String metric) {
    return telemetry.counters().getOrDefault(new Telemetry.Key(metric, "exporter", "storage"), 0L);
  }

  private static LimitsConfig limits() {
    return new LimitsConfig();
  }

  private static SpanLimiter limiter(LimitsConfig l) {
    return new SpanLimiter("main", l);
  }

  private static SpanLimiter capped(int maxSpansPerTrace) {
    return capped(maxSpansPerTrace, limits().maxTrackedTraces);
  }

  private static SpanLimiter capped(int maxSpansPerTrace, int maxTrackedTraces) {
    LimitsConfig l = limits();
    l.maxSpansPerTrace = maxSpansPerTrace;
    l.maxTrackedTraces = maxTrackedTraces;
    return limiter(l);
  }

  private static ByteString trace(int n) {
    byte[] b = new byte[16];
    b[15] = (byte) n;
    return ByteString.copyFrom(b);
  }

  private static ByteString spanId(int n) {
    byte[] b = new byte[8];
    b[7] = (byte) (n + 1);
    return ByteString.copyFrom(b);
  }

  /** A span named after its trace ("A", "B", "C" for traces 1, 2, 3) and {@code n}. */
  private static Span.Builder span(ByteString traceId, int n) {
    return Span.newBuilder().setTraceId(traceId).setSpanId(spanId(n))
        .setName((char) ('A' + traceId.byteAt(15) - 1) + String.valueOf(n));
  }

  private static Traces batch(Span... spans) {
    return Traces.of(List.of(resource("checkout", spans)));
  }

  private static ResourceSpans resource(String service, Span... spans) {
    return ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(kv("service.name", service)))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))).build();
  }

  private static Span only(Traces t) {
    assertThat(t.spanCount()).isEqualTo(1);
    return t.resourceSpans().get(0).getScopeSpans(0).getSpans(0);
  }

  private static List<String> spanIds(Traces t) {
    List<String> names = new ArrayList<>();
    t.forEachSpan((rs, ss, span) -> names.add(span.getName()));
    return names;
  }

  private static Map<String, String> stringValues(List<KeyValue> attributes) {
    return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue(),
        (a, b) -> a, java.util.LinkedHashMap::new));
  }

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(str(value)).build();
  }
}
