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

  private final Telemetry telemetry = new Telemetry();

  @Test
  void aBatchWithinTheLimitsIsTheSameInstance() {
    Traces in = batch(span(TRACE_A, 1).addAttributes(kv("http.route", "/orders/{id}")).build());

    SpanLimiter.Limited out = limiter(limits()).limit(in);
    out.count(telemetry, "storage");

    assertThat(out.traces()).isSameAs(in);
    assertThat(telemetry.counters()).isEmpty();
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

    SpanLimiter.Limited out = limiter(l).limit(in);
    out.count(telemetry, "storage");

    Map<String, String> values = stringValues(only(out.traces()).getAttributesList());
    assertThat(values).containsExactly(Map.entry("emoji", "a\uD83D\uDE00b\uD83D\uDE00"),
        Map.entry("exact", "abcd"), Map.entry("ascii", "abcd"), Map.entry("cjk", "\u4E2D\u6587\u5B57\u7B26"));
    assertThat(new String(values.get("emoji").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(values.get("emoji"));
    assertThat(only(out.traces()).getDroppedAttributesCount()).isZero();
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

    SpanLimiter.Limited out = limiter(l).limit(in);
    out.count(telemetry, "storage");

    List<KeyValue> a = only(out.traces()).getAttributesList();
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

    SpanLimiter.Limited out = limiter(l).limit(in);
    out.count(telemetry, "storage");

    Span span = only(out.traces());
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

    SpanLimiter.Limited out = limiter(l).limit(Traces.of(List.of(rs)));

    ResourceSpans got = out.traces().resourceSpans().get(0);
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
    LimitsConfig l = limits();
    l.maxSpansPerTrace = 3;
    SpanLimiter limiter = limiter(l);

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
  void countsTracesPerTenant() {
    LimitsConfig l = limits();
    l.maxSpansPerTrace = 1;
    SpanLimiter limiter = limiter(l);

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
    LimitsConfig l = limits();
    l.maxSpansPerTrace = 2;
    SpanLimiter limiter = limiter(l);
    Traces in = batch(span(TRACE_A, 1).build(), span(TRACE_A, 2).build());

    limiter.limit(in).unwritten();
    SpanLimiter.Limited retry = limiter.limit(in);

    assertThat(retry.traces()).isSameAs(in);
    assertThat(limiter.limit(batch(span(TRACE_A, 3).build())).traces().isEmpty()).isTrue();
  }

  @Test
  void forgetsTheLeastRecentlyWrittenTraceBeyondMaxTrackedTraces() {
    LimitsConfig l = limits();
    l.maxSpansPerTrace = 1;
    l.maxTrackedTraces = 1;
    SpanLimiter limiter = limiter(l);

    limiter.limit(batch(span(TRACE_A, 1).build()));
    limiter.limit(batch(span(TRACE_B, 1).build()));

    // TRACE_B evicted TRACE_A's count, so TRACE_A's cap starts again from zero.
    assertThat(limiter.limit(batch(span(TRACE_A, 2).build())).traces().spanCount()).isEqualTo(1);
    assertThat(limiter.limit(batch(span(TRACE_A, 3).build())).traces().spanCount()).isZero();
  }

  @Test
  void aTenMegabyteValueAndAHundredThousandAttributesAreCutToTheDefaults() {
    Span.Builder s = span(TRACE_A, 1).addAttributes(kv("big", "x".repeat(10 << 20)));
    for (int i = 0; i < 100_000; i++) {
      s.addAttributes(kv("k" + i, "v"));
    }

    SpanLimiter.Limited out = limiter(limits()).limit(batch(s.build()));
    out.count(telemetry, "storage");

    Span span = only(out.traces());
    assertThat(span.getAttributes(0).getValue().getStringValue()).hasSize(65_536);
    assertThat(span.getAttributesCount()).isEqualTo(1_024);
    assertThat(span.getDroppedAttributesCount()).isEqualTo(100_001 - 1_024);
    assertThat(counter(SpanLimiter.TRUNCATED_VALUES)).isEqualTo(1);
    assertThat(counter(SpanLimiter.DROPPED_ATTRIBUTES)).isEqualTo(100_001 - 1_024);
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

  private static Span.Builder span(ByteString traceId, int n) {
    return Span.newBuilder().setTraceId(traceId).setSpanId(spanId(n))
        .setName((traceId.equals(TRACE_A) ? "A" : "B") + n);
  }

  private static Traces batch(Span... spans) {
    return Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", "checkout")))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))).build()));
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
