package dev.skein.jaeger;

import static dev.skein.jaeger.JaegerTranslatorTest.bytes;
import static dev.skein.jaeger.JaegerTranslatorTest.kv;
import static dev.skein.jaeger.JaegerTranslatorTest.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.model.Traces;
import dev.skein.wire.jaeger.JaegerJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttributeJsonTest {
  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of(array(str("a").build(), AnyValue.newBuilder().setIntValue(-2).build(),
            AnyValue.newBuilder().setBoolValue(false).build()), "[\"a\",-2,false]"),
        Arguments.of(array(), "[]"),
        Arguments.of(map(kv("z", AnyValue.newBuilder().setIntValue(1).build()), kv("a", str("x").build()),
            kv("z", AnyValue.newBuilder().setIntValue(2).build())), "{\"a\":\"x\",\"z\":2}"),
        Arguments.of(array(str("<b> & \"q\" \\ \n\u0001").build()),
            "[\"\\u003cb\\u003e \\u0026 \\\"q\\\" \\\\ \\n\\u0001\"]"),
        Arguments.of(array(dbl(0.1), dbl(1e21), dbl(1e20), dbl(1e-7), dbl(-0.0), dbl(123456.789), dbl(2)),
            "[0.1,1e+21,100000000000000000000,1e-7,-0,123456.789,2]"),
        Arguments.of(array(dbl(Double.NaN), dbl(Double.NEGATIVE_INFINITY)), "[\"NaN\",\"-Infinity\"]"),
        Arguments.of(array(AnyValue.newBuilder().setBytesValue(bytes("deadbeef")).build(),
            AnyValue.getDefaultInstance()), "[\"3q2+7w==\",null]"),
        Arguments.of(array(map(kv("k", array(str("v").build())))), "[{\"k\":[\"v\"]}]"));
  }

  @ParameterizedTest
  @MethodSource("values")
  void theTranslatorWritesGoJson(AnyValue value, String json) {
    Traces t = Traces.of(List.of(JaegerTranslatorTest.resourceSpans("s",
        JaegerTranslatorTest.otlpSpan().addAttributes(kv("k", value)).build())));
    dev.skein.jaeger.proto.Model.KeyValue tag = JaegerTranslator.toBatches(t).get(0).getSpans(0).getTagsList()
        .stream().filter(kv -> kv.getKey().equals("k")).findFirst().orElseThrow();
    assertThat(tag.getVStr()).isEqualTo(json);
  }

  @ParameterizedTest
  @MethodSource("values")
  void agreesWithTheJaegerQueryJson(AnyValue value, String json) {
    Traces t = Traces.of(List.of(JaegerTranslatorTest.resourceSpans("s",
        JaegerTranslatorTest.otlpSpan().addAttributes(kv("k", value)).build())));

    JsonNode tag = JaegerJson.trace(t).get("spans").get(0).get("tags").get(0);

    assertThat(tag.get("value").asText()).isEqualTo(json);
  }

  private static AnyValue dbl(double d) {
    return AnyValue.newBuilder().setDoubleValue(d).build();
  }

  private static AnyValue array(AnyValue... values) {
    return AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(List.of(values))).build();
  }

  private static AnyValue map(io.opentelemetry.proto.common.v1.KeyValue... kvs) {
    return AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(List.of(kvs))).build();
  }
}
