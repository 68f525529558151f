package dev.skein.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryLimitsTest {
  @Test
  void hasDefaultsForOneServer() {
    QueryLimits d = QueryLimits.defaults();
    assertThat(d.maxTracesPerSearch()).isEqualTo(1000);
    assertThat(d.maxTimeRange()).isEqualTo(Duration.ofDays(7));
    assertThat(d.maxSpansPerTrace()).isEqualTo(10_000);
    assertThat(d.regexBudget()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.maxInspectedTraces()).isEqualTo(10_000);
    assertThat(d.storageMaxSpansPerTrace()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void refusesNonPositiveLimitsAtOnce() {
    QueryLimits.Builder b = QueryLimits.builder();
    assertThatThrownBy(() -> b.maxTracesPerSearch(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxTracesPerSearch: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.maxSpansPerTrace(-1)).hasMessage("maxSpansPerTrace: -1 (expected: > 0)");
    assertThatThrownBy(() -> b.maxInspectedTraces(0)).hasMessage("maxInspectedTraces: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.storageMaxSpansPerTrace(0)).hasMessage("storageMaxSpansPerTrace: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.maxTimeRange(Duration.ZERO)).hasMessage("maxTimeRange: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.regexBudget(Duration.ofMillis(-1))).hasMessage("regexBudget: PT-0.001S (expected: > 0)");
    assertThatThrownBy(() -> b.regexBudget(null)).isInstanceOf(NullPointerException.class).hasMessage("regexBudget");
  }

  @Test
  void keepsWhatWasSet() {
    QueryLimits l = QueryLimits.builder().maxTracesPerSearch(5).maxTimeRange(Duration.ofHours(1))
        .maxSpansPerTrace(7).regexBudget(Duration.ofMillis(50)).maxInspectedTraces(9).storageMaxSpansPerTrace(11).build();
    assertThat(l.toString()).isEqualTo("QueryLimits{maxTracesPerSearch=5, maxTimeRange=PT1H, maxSpansPerTrace=7,"
        + " regexBudget=PT0.05S, maxInspectedTraces=9, storageMaxSpansPerTrace=11}");
  }
}
