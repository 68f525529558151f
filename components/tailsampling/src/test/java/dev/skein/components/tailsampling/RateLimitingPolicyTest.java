package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.tailsampling.TestData.ManualClock;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitingPolicyTest {
  static TraceData spans(int n) {
    Span[] spans = new Span[n];
    for (int i = 0; i < n; i++) {
      spans[i] = span(1, i, 1).build();
    }
    Traces t = batch(spans);
    return TraceData.of(TestData.traceId(1), List.of(t));
  }

  @Test
  void aBucketOfTwiceTheRateRefillsContinuously() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10}}", clock);

    assertThat(p.evaluate(spans(15))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(5))).isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1))).isEqualTo(Decision.NOT_SAMPLED);

    clock.advance(Duration.ofMillis(500));
    assertThat(p.evaluate(spans(6))).as("5 tokens after half a second").isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(spans(5))).isEqualTo(Decision.SAMPLED);

    clock.advance(Duration.ofHours(1));
    assertThat(p.evaluate(spans(20))).as("refilled only up to twice the rate").isEqualTo(Decision.SAMPLED);
    assertThat(p.evaluate(spans(1))).isEqualTo(Decision.NOT_SAMPLED);
  }

  @Test
  void aTraceLargerThanTheBucketIsNeverSampled() {
    ManualClock clock = new ManualClock();
    Policy p = TestData.policy("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10}}", clock);
    clock.advance(Duration.ofMinutes(5));
    assertThat(p.evaluate(spans(21))).isEqualTo(Decision.NOT_SAMPLED);
    assertThat(p.evaluate(spans(20))).isEqualTo(Decision.SAMPLED);
  }
}
