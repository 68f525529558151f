package dev.skein.components.attraction;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AnyValuesTest {
  static Stream<Arguments> doubles() {
    return Stream.of(
        Arguments.of(1.5, "1.5"),
        Arguments.of(200.0, "200"),
        Arguments.of(123456789.0, "123456789"),
        Arguments.of(0.000001, "0.000001"),
        Arguments.of(1e-7, "1e-7"),
        Arguments.of(1.2345e-10, "1.2345e-10"),
        Arguments.of(1e21, "1e+21"),
        Arguments.of(-2.5e22, "-2.5e+22"),
        Arguments.of(1e20, "100000000000000000000"),
        Arguments.of(-0.0, "-0"),
        Arguments.of(0.1 + 0.2, "0.30000000000000004"));
  }

  @ParameterizedTest
  @MethodSource("doubles")
  void doublesAreWrittenAsJsonWritesThem(double value, String text) {
    assertThat(AnyValues.formatDouble(value)).isEqualTo(text);
  }

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("text", "text"),
        Arguments.of(7, "7"),
        Arguments.of(true, "true"),
        Arguments.of(List.of(1, "a", 2.5), "[1,\"a\",2.5]"),
        Arguments.of(Map.of("b", 1, "a", "<x>"), "{\"a\":\"\\u003cx\\u003e\",\"b\":1}"));
  }

  @ParameterizedTest
  @MethodSource("values")
  void configurationValuesBecomeAttributesAndTextAsInTheCollector(Object config, String text) {
    AnyValue v = AnyValues.fromConfig(config);
    assertThat(AnyValues.asString(v)).isEqualTo(text);
  }
}
