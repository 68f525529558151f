package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.span;
import static dev.skein.components.tailsampling.TestData.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.tailsampling.TestData.ManualClock;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompositePolicyTest {
  private static final String SUBS = "composite_sub_policy: ["
      + "{name: a, type: string_attribute, string_attribute: {key: team, values: [a]}},"
      + "{name: b, type: string_attribute, string_attribute: {key: team, values: [b]}},"
      + "{name: rest, type: always_sample}]";

  /** A trace of ten spans, each with {@code team=team}. */
  private static TraceData trace(String team) {
    Span[] spans = new Span[10];
    for (int i = 0; i < spans.length; i++) {
      spans[i] = span(1, i, 1).addAttributes(str("team", team)).build();
    }
    return TraceData.of(TestData.traceId(1), List.of(batch(spans)));
  }

  /** Evaluates {@code n} ten-span traces of {@code team}; returns how each was decided. */
  private static List<Decision> run(Policy p, String team, int n) {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(p.evaluate(trace(team)));
    }
    return out;
  }

  private static List<Decision> sampledThenNot(int sampled, int notSampled) {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < sampled; i++) {
      out.add(Decision.SAMPLED);
    }
    for (int i = 0; i < notSampled; i++) {
      out.add(Decision.NOT_SAMPLED);
    }
    return out;
  }

  @Test
  void eachSubPolicyGetsItsPercentAndUnallocatedOnesAnEqualShare() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 100,"
        + " policy_order: [a, b, rest], " + SUBS + ","
        + " rate_allocation: [{policy: a, percent: 50}, {policy: b, percent: 25}]}}", clock);

    assertThat(run(p, "a", 6)).as("a: 50 spans/s").isEqualTo(sampledThenNot(5, 1));
    assertThat(run(p, "b", 3)).as("b: 25 spans/s").isEqualTo(sampledThenNot(2, 1));
    assertThat(run(p, "c", 4)).as("rest: 100 / 3 = 33 spans/s").isEqualTo(sampledThenNot(3, 1));

    clock.advance(Duration.ofSeconds(1));
    assertThat(run(p, "a", 1)).as("a new second restarts the counters").isEqualTo(sampledThenNot(1, 0));
  }

  @Test
  void theFirstMatchingSubPolicyInPolicyOrderDecidesEvenWhenItIsFull() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 100,"
        + " policy_order: [rest, a], " + SUBS + ","
        + " rate_allocation: [{policy: rest, percent: 10}, {policy: a, percent: 90}]}}", clock);

    assertThat(run(p, "a", 2)).as("team a is matched by rest first, which has 10 spans/s")
        .isEqualTo(sampledThenNot(1, 1));
  }

  @Test
  void theTotalCapsSharesThatAddUpToMore() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 100,"
        + " policy_order: [a, b, rest], " + SUBS + ", rate_allocation: [{policy: a, percent: 80}]}}", clock);

    assertThat(run(p, "a", 8)).isEqualTo(sampledThenNot(8, 0));
    assertThat(run(p, "b", 3)).as("b may have 33 spans/s, but only 20 remain of the total")
        .isEqualTo(sampledThenNot(2, 1));
  }

  @Test
  void aSmallerTraceMayStillFitAfterALargerOneDidNot() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 15,"
        + " composite_sub_policy: [{name: all, type: always_sample}]}}", clock);
    assertThat(p.evaluate(trace("x"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace("x"))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(TraceData.of(TestData.traceId(2), List.of(batch(span(2)))))).isEqualTo(Decision.SAMPLED);
  }

  @Test
  void andMayBeACompositeSubPolicy() {
    Policy p = TestData.policy("{name: c, type: composite, composite: {max_total_spans_per_second: 1000,"
        + " composite_sub_policy: [{name: both, type: and, and: {and_sub_policy: ["
        + "{name: x, type: string_attribute, string_attribute: {key: team, values: [a]}},"
        + "{name: y, type: span_count, span_count: {min_spans: 10}}]}}]}}");
    assertThat(p.evaluate(trace("a"))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(trace("b"))).isEqualTo(Decision.NOT_SAMPLED);
  }
}
