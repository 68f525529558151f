package dev.skein.server.canary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import dev.skein.wire.jaeger.JaegerJson;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The canary's comparison against the answers Skein's own renderers give: an intact trace has no
 * problem, and each kind of damage is reported with the span and the first field that differs.
 */
class CanaryComparisonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CanaryTrace trace = CanaryTrace.generate(1_764_145_200_123L, "skein-canary");

  @Test
  void anIntactTraceHasNoProblemInEitherFormat() throws Exception {
    assertThat(Comparison.otlp(trace, otlpJsonRoundTrip(data(UnaryOperator.identity())))).isEmpty();
    assertThat(Comparison.jaeger(trace, jaeger(data(UnaryOperator.identity())))).isEmpty();
  }

  @Test
  void aDroppedSpanIsMissingAndNamed() throws Exception {
    CanaryTrace.CanarySpan dropped = trace.spans().get(2);
    TracesData damaged = data(span -> span.getSpanId().equals(dropped.span().getSpanId()) ? null : span);
    for (List<Problem> problems : List.of(Comparison.otlp(trace, damaged), Comparison.jaeger(trace, jaeger(damaged)))) {
      assertThat(problems).containsExactly(new Problem(Result.MISSING_SPANS,
          "1 of " + trace.spans().size() + " spans missing: " + dropped.label()));
    }
  }

  @Test
  void aChangedAttributeIsIncorrectAndNamesTheAttribute() throws Exception {
    TracesData damaged = data(span -> span.getSpanId().equals(trace.root().span().getSpanId())
        ? span.toBuilder().setAttributes(2, span.getAttributes(2).toBuilder()
            .setValue(AnyValue.newBuilder().setStringValue("changed"))).build()
        : span);
    String word = trace.root().span().getAttributes(2).getValue().getStringValue();
    assertThat(Comparison.otlp(trace, damaged)).singleElement().satisfies(p -> {
      assertThat(p.result()).isEqualTo(Result.INCORRECT);
      assertThat(p.message()).isEqualTo("span " + trace.root().label() + ": attributes[\"canary.word\"]: \"changed\""
          + " (expected: \"" + word + "\")");
    });
    assertThat(Comparison.jaeger(trace, jaeger(damaged))).singleElement().satisfies(p -> {
      assertThat(p.result()).isEqualTo(Result.INCORRECT);
      assertThat(p.message()).isEqualTo("span " + trace.root().label() + ": tags[\"canary.word\"]: string \"changed\""
          + " (expected: string \"" + word + "\")");
    });
  }

  @Test
  void aShiftedStartIsIncorrectToTheNanosecondInOtlp() {
    Span last = trace.spans().get(trace.spans().size() - 1).span();
    TracesData damaged = data(span -> span.getSpanId().equals(last.getSpanId())
        ? span.toBuilder().setStartTimeUnixNano(span.getStartTimeUnixNano() + 1).build() : span);
    assertThat(Comparison.otlp(trace, damaged)).singleElement().extracting(Problem::message)
        .asString().contains(": startTimeUnixNano: " + (last.getStartTimeUnixNano() + 1));
  }

  @Test
  void aRenamedSpanAndAnUnknownSpanAreIncorrect() throws Exception {
    Span first = trace.spans().get(1).span();
    TracesData renamed = data(span -> span.getSpanId().equals(first.getSpanId())
        ? span.toBuilder().setName("renamed").build() : span);
    assertThat(Comparison.jaeger(trace, jaeger(renamed))).singleElement().extracting(Problem::message)
        .isEqualTo("span " + trace.spans().get(1).label() + ": operationName: \"renamed\" (expected: \""
            + first.getName() + "\")");

    TracesData.Builder extra = data(UnaryOperator.identity()).toBuilder();
    extra.getResourceSpansBuilder(0).getScopeSpansBuilder(0).addSpans(first.toBuilder()
        .setSpanId(ByteString.fromHex("00000000000000aa")));
    assertThat(Comparison.otlp(trace, extra.build())).singleElement()
        .isEqualTo(new Problem(Result.INCORRECT, "span 00000000000000aa: not written by the canary"));
  }

  /** The canary's trace as a server would store it, each span passed through {@code change} (null drops it). */
  private TracesData data(UnaryOperator<Span> change) {
    TracesData.Builder data = TracesData.newBuilder();
    for (ResourceSpans rs : trace.request().getResourceSpansList()) {
      ResourceSpans.Builder b = rs.toBuilder();
      b.getScopeSpansBuilder(0).clearSpans();
      for (Span span : rs.getScopeSpans(0).getSpansList()) {
        Span changed = change.apply(span);
        if (changed != null) {
          b.getScopeSpansBuilder(0).addSpans(changed);
        }
      }
      data.addResourceSpans(b);
    }
    return data.build();
  }

  private static TracesData otlpJsonRoundTrip(TracesData data) {
    return OtlpJson.decode(OtlpJson.encode(data), TracesData.getDefaultInstance());
  }

  private static JsonNode jaeger(TracesData data) throws Exception {
    return JSON.readTree(JaegerJson.toBytes(JaegerJson.trace(Traces.of(data.getResourceSpansList()))));
  }
}
