package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.Hex;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import zipkin2.codec.SpanBytesDecoder;

class WorkloadTest {
  private static final long START = 1_700_000_000_000_000_000L;

  @Test
  void everyRequestCarriesTraceIdsOfItsOwnAndTheSpansStayTogether() throws Exception {
    Workload w = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 1, 4, START, Duration.ofMinutes(5).toNanos(), 100);
    Set<String> seen = new HashSet<>();
    Set<String> lowHalves = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      Workload.Request r = w.next();
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(r.body());
      Map<String, Integer> spansPerTrace = new HashMap<>();
      forEachSpan(request, s -> spansPerTrace.merge(Hex.encode(s.getTraceId()), 1, Integer::sum));
      assertThat(spansPerTrace.values().stream().mapToInt(Integer::intValue).sum())
          .isEqualTo(r.spans()).isEqualTo(SpanMix.SPANS_PER_EXPORT);
      Map<String, Integer> expected = new HashMap<>();
      w.traces(r).forEach(t -> expected.put(Hex.encode(t.traceId()), t.spans()));
      assertThat(spansPerTrace).isEqualTo(expected);
      for (String id : spansPerTrace.keySet()) {
        assertThat(seen.add(id)).as("trace %s seen in an earlier request", id).isTrue();
        // Zipkin groups traces by the low 64 bits of their IDs; they must differ as real ones do.
        assertThat(lowHalves.add(id.substring(16))).as("low half of %s seen before", id).isTrue();
      }
    }
  }

  @Test
  void traceIdsOfConsecutiveRequestsShareNoPrefixAsAnSdksRandomIdsWouldNot() {
    Workload w = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 3, 2, START, 0, 1_000);
    Set<Byte> firstBytes = new HashSet<>();
    Set<String> highHalves = new HashSet<>();
    for (int i = 0; i < 64; i++) {
      for (SpanMix.TraceInfo t : w.traces(w.next())) {
        firstBytes.add(t.traceId().byteAt(0));
        highHalves.add(Hex.encode(t.traceId()).substring(0, 16));
      }
    }
    // 64 random bytes take about 56 distinct values; counting up from one base gives 1.
    assertThat(firstBytes).as("distinct first bytes of 64 requests' trace IDs").hasSizeGreaterThan(32);
    assertThat(highHalves).as("distinct high halves, one per request").hasSize(64);
  }

  @Test
  void zipkinJsonRequestsDecodeWithZipkinsOwnCodecAndCarryTheSameTraces() {
    Workload w = Workload.create(Workload.Encoding.ZIPKIN_JSON, 2, 2, START, 0, 7);
    Workload.Request r = w.next();
    List<zipkin2.Span> spans = SpanBytesDecoder.JSON_V2.decodeList(r.body());
    assertThat(spans).hasSize(SpanMix.SPANS_PER_EXPORT);
    Map<String, Integer> perTrace = new HashMap<>();
    spans.forEach(s -> perTrace.merge(s.traceId(), 1, Integer::sum));
    Map<String, Integer> expected = new HashMap<>();
    w.traces(r).forEach(t -> expected.put(Hex.encode(t.traceId()), t.spans()));
    assertThat(perTrace).isEqualTo(expected);
    assertThat(spans).anySatisfy(s -> assertThat(s.tags()).containsKey("error"));
    assertThat(spans).anySatisfy(s -> assertThat(s.annotations()).isNotEmpty());
    assertThat(spans).allSatisfy(s -> assertThat(s.localServiceName()).isIn((Object[]) SpanMix.SERVICE_NAMES));
  }

  @Test
  void anAdvancingWorkloadMovesEveryTimeOfARequestByItsSequenceNumberTimesTheStep() throws Exception {
    long step = Duration.ofSeconds(3).toNanos();
    Workload fixed = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 5, 3, START, Duration.ofSeconds(2).toNanos(), 9);
    Workload advancing = fixed.advancing(step);
    for (int n = 0; n < 5; n++) {
      Span[] before = spans(ExportTraceServiceRequest.parseFrom(fixed.next().body()));
      Span[] after = spans(ExportTraceServiceRequest.parseFrom(advancing.next().body()));
      assertThat(after).hasSameSizeAs(before);
      long shift = n * step;
      for (int i = 0; i < before.length; i++) {
        Span.Builder expected = before[i].toBuilder()
            .setStartTimeUnixNano(before[i].getStartTimeUnixNano() + shift)
            .setEndTimeUnixNano(before[i].getEndTimeUnixNano() + shift);
        expected.getEventsBuilderList().forEach(e -> e.setTimeUnixNano(e.getTimeUnixNano() + shift));
        assertThat(after[i]).isEqualTo(expected.build());
      }
    }

    Workload zipkinFixed = Workload.create(Workload.Encoding.ZIPKIN_JSON, 6, 2, START, Duration.ofSeconds(2).toNanos(), 9);
    Workload zipkinAdvancing = zipkinFixed.advancing(step);
    for (int n = 0; n < 3; n++) {
      List<zipkin2.Span> before = SpanBytesDecoder.JSON_V2.decodeList(zipkinFixed.next().body());
      List<zipkin2.Span> after = SpanBytesDecoder.JSON_V2.decodeList(zipkinAdvancing.next().body());
      assertThat(after).hasSameSizeAs(before);
      long shift = n * step / 1000;
      for (int i = 0; i < before.size(); i++) {
        zipkin2.Span b = before.get(i);
        zipkin2.Span.Builder expected = b.toBuilder().timestamp(b.timestampAsLong() + shift).clearAnnotations();
        b.annotations().forEach(a -> expected.addAnnotation(a.timestamp() + shift, a.value()));
        assertThat(after.get(i)).isEqualTo(expected.build());
      }
    }
  }

  private static Span[] spans(ExportTraceServiceRequest request) {
    List<Span> out = new java.util.ArrayList<>();
    forEachSpan(request, out::add);
    return out.toArray(Span[]::new);
  }

  @Test
  void theMixHasTheIssuesShape() {
    Workload w = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 3, 16, START, 0, 0);
    double bytesPerSpan = w.averageBodyBytes() / w.spansPerRequest();
    assertThat(bytesPerSpan).as("bytes per span as OTLP").isBetween(250.0, 350.0);

    SpanMix mix = new SpanMix(4, START);
    assertThat(mix.operations()).hasSize(20);
    assertThat(mix.operations().values().stream().flatMap(List::stream).distinct()).hasSize(200);
    Set<String> services = new HashSet<>();
    Set<String> names = new HashSet<>();
    int[] attributes = {0};
    int[] spans = {0};
    int[] errors = {0};
    int[] events = {0};
    int fullTraces = 0;
    for (int i = 0; i < 20; i++) {
      SpanMix.Export e = mix.export(SpanMix.SPANS_PER_EXPORT, 0);
      List<SpanMix.TraceInfo> traces = e.traces();
      for (SpanMix.TraceInfo t : traces.subList(0, traces.size() - 1)) {
        assertThat(t.spans()).isBetween(SpanMix.MIN_TRACE_SPANS, SpanMix.MAX_TRACE_SPANS);
        fullTraces++;
      }
      for (ResourceSpans rs : e.request().getResourceSpansList()) {
        services.add(rs.getResource().getAttributes(0).getValue().getStringValue());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            names.add(rs.getResource().getAttributes(0).getValue().getStringValue() + " " + s.getName());
            attributes[0] += s.getAttributesCount();
            spans[0]++;
            errors[0] += s.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR ? 1 : 0;
            events[0] += s.getEventsCount() > 0 ? 1 : 0;
          }
        }
      }
    }
    assertThat(services).hasSize(SpanMix.SERVICES);
    assertThat(names.size()).as("operations seen").isGreaterThan(150).isLessThanOrEqualTo(200);
    assertThat(attributes[0] / (double) spans[0]).as("attributes per span").isBetween(8.0, 11.0);
    assertThat(errors[0]).isPositive();
    assertThat(events[0] / (double) spans[0]).as("spans with events").isBetween(0.05, 0.2);
    assertThat(fullTraces).isGreaterThan(200);
  }

  private static void forEachSpan(ExportTraceServiceRequest request, java.util.function.Consumer<Span> action) {
    request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(action)));
  }
}
