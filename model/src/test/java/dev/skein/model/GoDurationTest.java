package dev.skein.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
  @ParameterizedTest
  @CsvSource({"200ms,PT0.2S", "5s,PT5S", "1h30m,PT1H30M", "168h,PT168H", "1.5h,PT1H30M", "300us,PT0.0003S",
      "10ns,PT0.00000001S", "0,PT0S", "-2s,PT-2S", "1m0.5s,PT1M0.5S"})
  void parsesGoDurations(String text, String iso) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "s", "5 s", "5sec", "1d", "h1"})
  void rejectsOtherText(String text) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: a duration");
  }

  @ParameterizedTest
  @CsvSource({"PT168H,168h", "PT0.2S,200ms", "PT1H30M5S,1h30m5s", "PT0S,0s"})
  void formatsShortest(String iso, String text) {
    assertThat(GoDuration.format(Duration.parse(iso))).isEqualTo(text);
  }
}
