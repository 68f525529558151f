package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void percentilesUseTheNearestRank() {
    long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();
    assertThat(Stats.percentile(oneToHundred, 50)).isEqualTo(50);
    assertThat(Stats.percentile(oneToHundred, 99)).isEqualTo(99);
    assertThat(Stats.percentile(oneToHundred, 100)).isEqualTo(100);
    assertThat(Stats.percentile(oneToHundred, 0.1)).isEqualTo(1);
  }

  @Test
  void aFewSlowRequestsShowInP99ButNotInP50() {
    long[] latencies = new long[1000];
    java.util.Arrays.fill(latencies, 5);
    for (int i = 985; i < 1000; i++) {
      latencies[i] = 800;
    }
    assertThat(Stats.percentile(latencies, 50)).isEqualTo(5);
    assertThat(Stats.percentile(latencies, 99)).isEqualTo(800);
  }

  @Test
  void percentileOfOneValueIsThatValue() {
    assertThat(Stats.percentile(new long[] {42}, 99)).isEqualTo(42);
  }

  @Test
  void percentileRejectsNoValuesAndOutOfRangeP() {
    assertThatThrownBy(() -> Stats.percentile(new long[0], 50))
        .hasMessage("sorted: empty (expected: at least one value)");
    assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 0))
        .hasMessage("p: 0.0 (expected: > 0 and <= 100)");
    assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 101))
        .hasMessage("p: 101.0 (expected: > 0 and <= 100)");
  }

  @Test
  void medianAndSpreadOfRoundRatios() {
    double[] ratios = {2.0, 4.0, 3.0};
    assertThat(Stats.median(ratios)).isEqualTo(3.0);
    assertThat(Stats.median(new double[] {1, 2, 3, 10})).isEqualTo(2.5);
    assertThat(Stats.relativeSpread(ratios)).isEqualTo((4.0 - 2.0) / 3.0);
    assertThat(Stats.relativeSpread(new double[] {5, 5})).isZero();
    assertThat(ratios).containsExactly(2.0, 4.0, 3.0);
  }
}
