package dev.skein.components.attraction;

import static dev.skein.components.processortest.Fixtures.bool;
import static dev.skein.components.processortest.Fixtures.dbl;
import static dev.skein.components.processortest.Fixtures.integer;
import static dev.skein.components.processortest.Fixtures.kv;
import static dev.skein.components.processortest.Fixtures.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttributeActionsTest {
  /** A configuration holding only an action list, as both processors embed it. */
  static final class Holder implements ComponentConfig {
    List<ActionConfig> actions = new ArrayList<>();
  }

  static List<ActionConfig> actions(String yaml) throws ConfigException {
    return ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), new Holder(), "processors::x").actions;
  }

  static List<KeyValue> apply(String yaml, List<KeyValue> input) throws ConfigException {
    return AttributeActions.compile(actions(yaml)).apply(input);
  }

  static final List<KeyValue> INPUT = List.of(
      kv("http.route", "/api/v1/document/12345678/update"),
      kv("user.email", "abc"),
      kv("http.status_code", "200"),
      kv("db.statement", "SELECT 1"));

  static Stream<Arguments> actionCases() {
    return Stream.of(
        Arguments.of("insert adds an absent key",
            "actions: [{key: env, value: prod, action: insert}]",
            List.of(kv("env", "prod")), List.of()),
        Arguments.of("insert leaves an existing key",
            "actions: [{key: user.email, value: x, action: insert}]",
            List.of(kv("user.email", "abc")), List.of()),
        Arguments.of("update changes an existing key",
            "actions: [{key: user.email, value: x, action: update}]",
            List.of(kv("user.email", "x")), List.of()),
        Arguments.of("update ignores an absent key",
            "actions: [{key: env, value: x, action: update}]",
            List.of(), List.of("env")),
        Arguments.of("upsert inserts and updates, keeping the YAML type",
            "actions: [{key: env, value: 2245, action: upsert}, {key: user.email, value: true, action: UPSERT}]",
            List.of(kv("env", integer(2245)), kv("user.email", bool(true))), List.of()),
        Arguments.of("from_attribute copies a value",
            "actions: [{key: route, from_attribute: http.route, action: insert}]",
            List.of(kv("route", "/api/v1/document/12345678/update")), List.of()),
        Arguments.of("from_attribute without the source does nothing",
            "actions: [{key: region, from_attribute: cloud.region, action: insert}]",
            List.of(), List.of("region")),
        Arguments.of("default_value fills in for a missing source",
            "actions: [{key: region, from_attribute: cloud.region, default_value: us-east-1, action: insert}]",
            List.of(kv("region", "us-east-1")), List.of()),
        Arguments.of("delete removes the key",
            "actions: [{key: db.statement, action: delete}]",
            List.of(), List.of("db.statement")),
        Arguments.of("delete removes every key the pattern matches",
            "actions: [{pattern: '^(http|db)\\.', action: delete}]",
            List.of(kv("user.email", "abc")), List.of("http.route", "http.status_code", "db.statement")),
        Arguments.of("hash replaces a string by its SHA-256",
            "actions: [{key: user.email, action: hash}]",
            List.of(kv("user.email", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
            List.of()),
        Arguments.of("extract sets one attribute per named group",
            "actions: [{key: http.route, pattern: '^/api/v1/document/(?P<document_id>.*)/(?P<op>[a-z]+)$',"
                + " action: extract}]",
            List.of(kv("document_id", "12345678"), kv("op", "update"),
                kv("http.route", "/api/v1/document/12345678/update")), List.of()),
        Arguments.of("extract without a match does nothing",
            "actions: [{key: user.email, pattern: '^(?P<user>[^@]+)@', action: extract}]",
            List.of(), List.of("user")),
        Arguments.of("convert parses a string into an int",
            "actions: [{key: http.status_code, action: convert, converted_type: int}]",
            List.of(kv("http.status_code", integer(200))), List.of()),
        Arguments.of("convert leaves a value it cannot parse",
            "actions: [{key: user.email, action: convert, converted_type: double}]",
            List.of(kv("user.email", "abc")), List.of()),
        Arguments.of("actions run in order, each seeing the ones before",
            "actions: [{key: code, from_attribute: http.status_code, action: insert},"
                + " {key: code, action: convert, converted_type: double}, {key: http.status_code, action: delete}]",
            List.of(kv("code", dbl(200))), List.of("http.status_code")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("actionCases")
  void actionsChangeAttributesAsTheCollectorDoes(String name, String yaml, List<KeyValue> present,
      List<String> absent) throws Exception {
    List<KeyValue> out = apply(yaml, INPUT);
    assertThat(out).containsAll(present);
    for (String key : absent) {
      assertThat(out).extracting(KeyValue::getKey).doesNotContain(key);
    }
    assertThat(out.stream().map(KeyValue::getKey).distinct().count()).isEqualTo(out.size());
  }

  @Test
  void hashingLeavesNoPlaintextDuplicateBehind() throws Exception {
    List<KeyValue> out = apply("actions: [{key: user.email, action: hash}]",
        List.of(kv("user.email", "abc"), kv("other", "x"), kv("user.email", "abc")));
    assertThat(out).containsExactly(
        kv("user.email", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), kv("other", "x"));
  }

  @Test
  void anUnchangedListIsReturnedAsItIs() throws Exception {
    assertThat(apply("actions: [{key: env, value: x, action: update}]", INPUT)).isSameAs(INPUT);
  }

  static Stream<Arguments> hashCases() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    HexFormat hex = HexFormat.of();
    return Stream.of(
        Arguments.of(str("alice@example.com"),
            hex.formatHex(sha.digest("alice@example.com".getBytes(StandardCharsets.UTF_8)))),
        Arguments.of(integer(2245), hex.formatHex(sha.digest(
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(2245).array()))),
        Arguments.of(dbl(1.5), hex.formatHex(sha.digest(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(Double.doubleToRawLongBits(1.5)).array()))),
        Arguments.of(bool(true), hex.formatHex(sha.digest(new byte[] {1}))),
        Arguments.of(io.opentelemetry.proto.common.v1.AnyValue.getDefaultInstance(), ""));
  }

  @ParameterizedTest
  @MethodSource("hashCases")
  void hashUsesTheCollectorsByteEncodings(io.opentelemetry.proto.common.v1.AnyValue value, String expected)
      throws Exception {
    assertThat(apply("actions: [{key: k, action: hash}]", List.of(kv("k", value))))
        .containsExactly(kv("k", expected));
  }

  static Stream<Arguments> conversions() {
    return Stream.of(
        Arguments.of(str("42"), "int", integer(42)),
        Arguments.of(str("-7"), "int", integer(-7)),
        Arguments.of(str("4.2"), "int", str("4.2")),
        Arguments.of(dbl(3.9), "int", integer(3)),
        Arguments.of(dbl(-3.9), "int", integer(-3)),
        Arguments.of(bool(true), "int", integer(1)),
        Arguments.of(integer(3), "double", dbl(3)),
        Arguments.of(str("1e3"), "double", dbl(1000)),
        Arguments.of(str("1.5d"), "double", str("1.5d")),
        Arguments.of(bool(false), "double", dbl(0)),
        Arguments.of(integer(200), "string", str("200")),
        Arguments.of(dbl(0.5), "string", str("0.5")),
        Arguments.of(dbl(1e21), "string", str("1e+21")),
        Arguments.of(bool(true), "string", str("true")));
  }

  @ParameterizedTest
  @MethodSource("conversions")
  void convertFollowsTheCollectorsRules(io.opentelemetry.proto.common.v1.AnyValue in, String type,
      io.opentelemetry.proto.common.v1.AnyValue out) throws Exception {
    assertThat(apply("actions: [{key: k, action: convert, converted_type: " + type + "}]", List.of(kv("k", in))))
        .containsExactly(kv("k", out));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("actions: [{key: a, value: 1, action: insert}, {key: b, value: 1, action: insert},"
            + " {key: c, value: 1, action: upsertt}]",
            "actions[2]::action: \"upsertt\" (expected: insert, update, upsert, delete, hash, extract or convert)"),
        Arguments.of("actions: [{key: a, value: 1}]",
            "actions[0]::action: missing (expected: insert, update, upsert, delete, hash, extract or convert)"),
        Arguments.of("actions: [{value: 1, action: insert}]",
            "actions[0]::key: missing (expected: the attribute to act on for action \"insert\")"),
        Arguments.of("actions: [{key: a, action: upsert}]",
            "actions[0]: no value (expected: one of value, from_attribute or default_value for action \"upsert\")"),
        Arguments.of("actions: [{key: a, value: 1, from_attribute: b, action: upsert}]",
            "actions[0]: value and from_attribute are all set (expected: only one value source)"),
        Arguments.of("actions: [{key: a, from_context: metadata.tenant, action: upsert}]",
            "actions[0]::from_context: \"metadata.tenant\" is not supported (Skein's pipelines carry no client"
                + " metadata; use value or from_attribute)"),
        Arguments.of("actions: [{key: a, value: 1, pattern: x, action: insert}]",
            "actions[0]::pattern: not used by action \"insert\" (expected: no pattern)"),
        Arguments.of("actions: [{action: delete}]",
            "actions[0]: neither key nor pattern is set (expected: at least one for action \"delete\")"),
        Arguments.of("actions: [{key: a, value: 1, action: hash}]",
            "actions[0]::value: not used by action \"hash\" (expected: no value)"),
        Arguments.of("actions: [{key: a, action: extract}]",
            "actions[0]::pattern: missing (expected: a regular expression with named groups, e.g."
                + " ^(?P<scheme>[a-z]+)://, for action \"extract\")"),
        Arguments.of("actions: [{key: a, pattern: '^(\\w+)-(?P<b>\\d+)$', action: extract}]",
            "actions[0]::pattern: \"^(\\w+)-(?P<b>\\d+)$\" has an unnamed group (expected: every group named,"
                + " e.g. (?P<name>...), or non-capturing (?:...))"),
        Arguments.of("actions: [{key: a, pattern: '^\\w+$', action: extract}]",
            "actions[0]::pattern: \"^\\w+$\" has no named group (expected: at least one, e.g. (?P<name>...))"),
        Arguments.of("actions: [{key: a, action: convert}]",
            "actions[0]::converted_type: missing (expected: int, double or string for action \"convert\")"),
        Arguments.of("actions: [{key: a, action: convert, converted_type: float}]",
            "actions[0]::converted_type: \"float\" (expected: int, double or string)"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidActionsAreReportedWithTheirPath(String yaml, String expected) throws Exception {
    assertThat(AttributeActions.validate(actions(yaml), "actions")).containsExactly(expected);
    assertThatThrownBy(() -> AttributeActions.compile(actions(yaml))).hasMessage(expected);
  }

  @Test
  void anInvalidPatternNamesTheExpression() throws Exception {
    assertThat(AttributeActions.validate(actions("actions: [{pattern: '[a-', action: delete}]"), "actions"))
        .singleElement().asString().startsWith("actions[0]::pattern: \"[a-\" (expected: a valid regular expression;");
  }

  @Test
  void unknownKeysInAnActionAreRejectedWithTheirPath() {
    assertThatThrownBy(() -> actions("actions: [{key: a, value: 1, action: insert, fromattribute: b}]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("processors::x::actions[0]::fromattribute: unknown key (did you mean");
  }
}
