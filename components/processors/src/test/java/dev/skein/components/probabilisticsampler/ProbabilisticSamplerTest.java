package dev.skein.components.probabilisticsampler;

import static dev.skein.components.processortest.Fixtures.errors;
import static dev.skein.components.processortest.Fixtures.first;
import static dev.skein.components.processortest.Fixtures.integer;
import static dev.skein.components.processortest.Fixtures.kv;
import static dev.skein.components.processortest.Fixtures.settings;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.str;
import static dev.skein.components.processortest.Fixtures.traces;
import static dev.skein.components.processortest.Fixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.components.processortest.Fixtures.Sink;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProbabilisticSamplerTest {
  static final ProbabilisticSamplerFactory FACTORY = new ProbabilisticSamplerFactory();
  static final Pattern OT = Pattern.compile("ot=rv:([0-9a-f]{14});th:([0-9a-f]+)");

  final Telemetry telemetry = new Telemetry();
  final Sink sink = new Sink();

  TracesProcessor sampler(String yaml) {
    return FACTORY.createTracesProcessor(settings("probabilistic_sampler", telemetry), valid(FACTORY, yaml), sink);
  }

  /** Spans with distinct pseudo-random trace IDs, the same for every run. */
  static List<Span.Builder> spans(int n) {
    Random r = new Random(42);
    List<Span.Builder> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] id = new byte[16];
      r.nextBytes(id);
      id[0] |= 1;
      out.add(span("s" + i).setTraceId(ByteString.copyFrom(id)));
    }
    return out;
  }

  Set<ByteString> keptTraceIds(String yaml, List<Span.Builder> spans) {
    sink.batches().clear();
    sampler(yaml).consume(traces(spans.toArray(new Span.Builder[0])));
    Set<ByteString> kept = new HashSet<>();
    for (Traces t : sink.batches()) {
      t.forEachSpan((rs, ss, s) -> kept.add(s.getTraceId()));
    }
    return kept;
  }

  @Test
  void theHashIsFnv1aOverTheLittleEndianSeedAndTheTraceId() {
    int seed = 'f' | 'o' << 8 | 'o' << 16 | 'b' << 24;
    assertThat(ProbabilisticSampler.hash(seed, "ar".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xbf9cf968);
  }

  @Test
  void aboutTheConfiguredShareOfTracesIsKept() {
    assertThat(keptTraceIds("sampling_percentage: 25", spans(10_000)).size()).isBetween(2_300, 2_700);
  }

  @Test
  void aTraceKeptAtALowerPercentageIsKeptAtAHigherOneWithTheSameSeed() {
    List<Span.Builder> spans = spans(2_000);
    Set<ByteString> at10 = keptTraceIds("sampling_percentage: 10\nhash_seed: 22", spans);
    Set<ByteString> at50 = keptTraceIds("sampling_percentage: 50\nhash_seed: 22", spans);
    Set<ByteString> otherSeed = keptTraceIds("sampling_percentage: 10\nhash_seed: 23", spans);
    assertThat(at10).isNotEmpty();
    assertThat(at50).containsAll(at10);
    assertThat(otherSeed).isNotEqualTo(at10);
  }

  @Test
  void everySpanOfATraceGetsTheSameDecision() {
    List<Span.Builder> spans = new ArrayList<>();
    for (Span.Builder s : spans(200)) {
      spans.add(s);
      spans.add(s.clone().setName(s.getName() + "-child"));
    }
    sampler("sampling_percentage: 50").consume(traces(spans.toArray(new Span.Builder[0])));
    List<String> names = new ArrayList<>();
    sink.only().forEachSpan((rs, ss, s) -> names.add(s.getName()));
    assertThat(names).hasSizeBetween(100, 300);
    for (String n : names) {
      String root = n.replace("-child", "");
      assertThat(names).contains(root, root + "-child");
    }
  }

  @Test
  void theDecisionIsTheCollectorsBucketRule() {
    int seed = 22;
    float pct = 33.3f;
    int scaled = (int) (pct * 163.84f);
    List<Span.Builder> spans = spans(3_000);
    Set<ByteString> expected = new HashSet<>();
    for (Span.Builder s : spans) {
      if ((ProbabilisticSampler.hash(seed, s.getTraceId().toByteArray()) & 0x3fff) < scaled) {
        expected.add(s.getTraceId());
      }
    }
    assertThat(keptTraceIds("sampling_percentage: 33.3\nhash_seed: 22", spans)).isEqualTo(expected);
  }

  static Stream<Arguments> thresholds() {
    return Stream.of(Arguments.of("100", "0"), Arguments.of("75", "4"), Arguments.of("50", "8"),
        Arguments.of("25", "c"), Arguments.of("10", "e668"), Arguments.of("33.333332", "aaac"),
        Arguments.of("200", "0"));
  }

  @ParameterizedTest
  @MethodSource("thresholds")
  void keptSpansRecordRandomnessAndThresholdInTracestateAsTheCollectorDoes(String pct, String th) {
    sampler("sampling_percentage: " + pct).consume(traces(spans(200).toArray(new Span.Builder[0])));
    sink.only().forEachSpan((rs, ss, s) -> {
      Matcher m = OT.matcher(s.getTraceState());
      assertThat(m.matches()).as(s.getTraceState()).isTrue();
      assertThat(m.group(2)).isEqualTo(th);
      long rv = Long.parseLong(m.group(1), 16);
      long threshold = Long.parseLong((th + "00000000000000").substring(0, 14), 16);
      assertThat(rv).isGreaterThanOrEqualTo(threshold);
    });
  }

  @Test
  void otherTracestateMembersAreKeptAfterTheOtelMember() {
    sampler("sampling_percentage: 100").consume(traces(span("a").setTraceState("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")));
    assertThat(first(sink.only()).getTraceState()).matches("ot=rv:[0-9a-f]{14};th:0,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  }

  static Stream<Arguments> priorities() {
    return Stream.of(
        Arguments.of("sampling_percentage: 100", integer(0), false),
        Arguments.of("sampling_percentage: 100", str("0"), false),
        Arguments.of("sampling_percentage: 0.01", integer(2), true),
        Arguments.of("sampling_percentage: 0", integer(1), true),
        Arguments.of("sampling_percentage: 100", integer(-1), true),
        Arguments.of("sampling_percentage: 100", str("high"), true));
  }

  @ParameterizedTest
  @MethodSource("priorities")
  void samplingPriorityOverridesTheHash(String yaml, io.opentelemetry.proto.common.v1.AnyValue priority,
      boolean kept) {
    sampler(yaml).consume(traces(span("a").addAttributes(kv("sampling.priority", priority))));
    assertThat(sink.batches()).hasSize(kept ? 1 : 0);
    if (kept) {
      assertThat(first(sink.only()).getTraceState()).endsWith("th:0");
    }
  }

  static Stream<Arguments> failClosed() {
    ByteString zero = ByteString.copyFrom(new byte[16]);
    return Stream.of(
        Arguments.of("an all-zero trace ID", span("a").setTraceId(zero), "ot=rv:ffffffffffffff;th:0"),
        Arguments.of("arriving randomness", span("a").setTraceState("ot=rv:9b8233f7e3a151"), "ot=rv:9b8233f7e3a151"),
        Arguments.of("an arriving threshold", span("a").setTraceState("ot=th:8"), "ot=th:8"),
        Arguments.of("an invalid tracestate", span("a").setTraceState("not a tracestate"), "not a tracestate"),
        Arguments.of("an invalid r-value", span("a").setTraceState("ot=rv:abababababababab"), "ot=rv:abababababababab"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failClosed")
  void spansWithoutUsableRandomnessAreDroppedUnlessFailClosedIsOff(String name, Span.Builder span,
      String tracestateWhenKept) {
    sampler("sampling_percentage: 100").consume(traces(span.clone()));
    assertThat(sink.batches()).isEmpty();
    sampler("sampling_percentage: 100\nfail_closed: false").consume(traces(span.clone()));
    assertThat(first(sink.only()).getTraceState()).isEqualTo(tracestateWhenKept);
  }

  @Test
  void droppedSpansAreCountedAndAnEmptiedBatchIsAcknowledged() {
    assertThat(sampler("sampling_percentage: 0").consume(traces(span("a"), span("b")))).isCompleted();
    assertThat(sink.batches()).isEmpty();
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_processor_dropped_spans", "processor", "probabilistic_sampler"), 2L);
  }

  @Test
  void theSampledTraceIdIsUntouched() {
    Span.Builder s = span("a");
    sampler("sampling_percentage: 100").consume(traces(s.clone()));
    assertThat(Hex.encode(first(sink.only()).getTraceId())).isEqualTo(Hex.encode(s.getTraceId()));
  }

  static Stream<Arguments> invalid() {
    String p = "processors::probabilistic_sampler::";
    return Stream.of(
        Arguments.of("{}", p + "sampling_percentage: missing (expected: the percentage of traces to keep, from 0 to 100)"),
        Arguments.of("sampling_percentage: -1", p + "sampling_percentage: -1.0 (expected: >= 0)"),
        Arguments.of("sampling_percentage: 10\nmode: proportional",
            p + "mode: \"proportional\" is not supported (expected: hash_seed; Skein implements only the hash_seed mode)"),
        Arguments.of("sampling_percentage: 10\nmode: random",
            p + "mode: \"random\" (expected: hash_seed, proportional or equalizing)"),
        Arguments.of("sampling_percentage: 10\nhash_seed: 4294967296",
            p + "hash_seed: 4294967296 (expected: an integer from 0 to 4294967295)"),
        Arguments.of("sampling_percentage: 10\nsampling_precision: 15",
            p + "sampling_precision: 15 (expected: 1 to 14)"),
        Arguments.of("sampling_percentage: 10\nattribute_source: span",
            p + "attribute_source: \"span\" (expected: traceID or record)"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void configurationErrorsNameTheirKey(String yaml, String expected) {
    assertThat(errors(FACTORY, yaml)).containsExactly(expected);
  }

  @Test
  void theCollectorsDefaultsAndLogsKeysAreAccepted() {
    ProbabilisticSamplerConfig c = valid(FACTORY,
        "sampling_percentage: 15.3\nhash_seed: 4294967295\nmode: hash_seed\nattribute_source: record\n"
            + "from_attribute: logId\nsampling_priority: prio");
    assertThat(c.failClosed).isTrue();
    assertThat(c.samplingPrecision).isEqualTo(4);
  }
}
