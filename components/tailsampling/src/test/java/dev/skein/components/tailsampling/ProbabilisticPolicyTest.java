package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProbabilisticPolicyTest {
  @ParameterizedTest(name = "fnv1a64(\"{0}\" + \"{1}\") = {2}")
  @CsvSource({
      "'', '', cbf29ce484222325",
      "a, '', af63dc4c8601ec8c",
      "foo, bar, 85944171f73967e8",
  })
  void hashesSaltThenTraceIdWithFnv1a(String salt, String id, String expectedHex) {
    long h = ProbabilisticPolicy.hash(salt.getBytes(StandardCharsets.UTF_8), ByteString.copyFromUtf8(id));
    assertThat(Long.toHexString(h)).isEqualTo(expectedHex);
  }

  @ParameterizedTest(name = "ratio {0} -> {1}")
  @CsvSource({
      "0, 0",
      "0.5, 9223372036854775807",
      "0.75, 13835058055282163711",
      "1, 18446744073709551615",
      "1.5, 18446744073709551615",
  })
  void thresholdIsTheRatioOfTheUnsigned64BitRange(double ratio, String expected) {
    assertThat(Long.toUnsignedString(ProbabilisticPolicy.threshold(ratio))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}% of 20000 traces")
  @CsvSource({"0, 0, 0", "10, 1800, 2200", "33.3, 6260, 7060", "100, 20000, 20000"})
  void samplesTheConfiguredShare(double percentage, int atLeast, int atMost) {
    ProbabilisticPolicy policy = new ProbabilisticPolicy("", percentage);
    Random random = new Random(7);
    int sampled = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] id = new byte[16];
      random.nextBytes(id);
      TraceData t = TraceData.of(ByteString.copyFrom(id), List.of(batch(TestData.span(1))));
      if (policy.evaluate(t) == Decision.SAMPLED) {
        sampled++;
      }
    }
    assertThat(sampled).isBetween(atLeast, atMost);
  }

  @Test
  void sameTraceSameDecisionAndTheSaltChangesWhichTracesAreKept() {
    ProbabilisticPolicy a = new ProbabilisticPolicy("", 50);
    ProbabilisticPolicy b = new ProbabilisticPolicy("layer-2", 50);
    Random random = new Random(11);
    int differ = 0;
    for (int i = 0; i < 200; i++) {
      // Random IDs, as SDKs make them: FNV-1a spreads IDs that differ only in their last byte poorly.
      byte[] id = new byte[16];
      random.nextBytes(id);
      TraceData t = TraceData.of(ByteString.copyFrom(id), List.of(batch(TestData.span(i))));
      assertThat(a.evaluate(t)).isEqualTo(a.evaluate(t));
      if (a.evaluate(t) != b.evaluate(t)) {
        differ++;
      }
    }
    assertThat(differ).isPositive();
  }
}
