package dev.skein.components.ottl;

import static dev.skein.components.processortest.Fixtures.dbl;
import static dev.skein.components.processortest.Fixtures.integer;
import static dev.skein.components.processortest.Fixtures.kv;
import static dev.skein.components.processortest.Fixtures.resource;
import static dev.skein.components.processortest.Fixtures.scope;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConditionTest {
  static final Span.Event EVENT = Span.Event.newBuilder().setName("exception").setTimeUnixNano(1_100_000_000L)
      .addAttributes(kv("exception.type", "java.net.SocketTimeoutException")).build();

  static final Span SPAN = span("GET /health", "http.route", "/health")
      .setKind(Span.SpanKind.SPAN_KIND_SERVER)
      .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("timeout"))
      .addAttributes(kv("http.status_code", integer(503)))
      .addAttributes(kv("latency.ratio", dbl(0.25)))
      .addAttributes(kv("nested", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
          .addValues(kv("inner", integer(1)))).build()))
      .addAttributes(kv("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
          .addValues(str("a")).addValues(str("b"))).build()))
      .addEvents(EVENT)
      .build();

  static final Subject SUBJECT = Subject.of(resource("checkout", kv("deployment.environment", "production")),
      scope("io.opentelemetry.tomcat", "2.1.0"), SPAN);

  static boolean eval(String condition) throws Exception {
    return Condition.parse(condition, Context.SPAN).matches(SUBJECT);
  }

  static Stream<Arguments> spanConditions() {
    return Stream.of(
        Arguments.of("attributes[\"http.route\"] == \"/health\"", true),
        Arguments.of("attributes[\"http.route\"] == \"/healthz\"", false),
        Arguments.of("name == \"GET /health\"", true),
        Arguments.of("span.name == \"GET /health\"", true),
        Arguments.of("kind == SPAN_KIND_SERVER", true),
        Arguments.of("kind == 2", true),
        Arguments.of("kind != SPAN_KIND_CLIENT", true),
        Arguments.of("kind.string == \"Server\"", true),
        Arguments.of("kind.deprecated_string == \"SPAN_KIND_SERVER\"", true),
        Arguments.of("status.code == STATUS_CODE_ERROR", true),
        Arguments.of("status.message == \"timeout\"", true),
        Arguments.of("attributes[\"http.status_code\"] >= 500", true),
        Arguments.of("attributes[\"http.status_code\"] < 500", false),
        Arguments.of("attributes[\"http.status_code\"] > 502.5", true),
        Arguments.of("attributes[\"latency.ratio\"] <= .25", true),
        Arguments.of("attributes[\"latency.ratio\"] > -1", true),
        Arguments.of("attributes[\"http.status_code\"] == \"503\"", false),
        Arguments.of("attributes[\"http.status_code\"] != \"503\"", true),
        Arguments.of("attributes[\"http.status_code\"] > \"503\"", false),
        Arguments.of("attributes[\"missing\"] == nil", true),
        Arguments.of("attributes[\"http.route\"] != nil", true),
        Arguments.of("nil == nil", true),
        Arguments.of("attributes[\"nested\"][\"inner\"] == 1", true),
        Arguments.of("attributes[\"nested\"][\"absent\"] == nil", true),
        Arguments.of("attributes[\"list\"][1] == \"b\"", true),
        Arguments.of("resource.attributes[\"service.name\"] == \"checkout\"", true),
        Arguments.of("resource.attributes[\"deployment.environment\"] == \"staging\"", false),
        Arguments.of("instrumentation_scope.name == \"io.opentelemetry.tomcat\"", true),
        Arguments.of("scope.version == \"2.1.0\"", true),
        Arguments.of("trace_id.string == \"0af7651916cd43dd8448eb211c80319c\"", true),
        Arguments.of("trace_id == 0x0af7651916cd43dd8448eb211c80319c", true),
        Arguments.of("span_id == 0xb7ad6b7169203331", true),
        Arguments.of("parent_span_id.string == \"\"", true),
        Arguments.of("end_time_unix_nano > start_time_unix_nano", true),
        Arguments.of("start_time_unix_nano == 1000000000", true),
        Arguments.of("IsMatch(name, \"^GET \")", true),
        Arguments.of("IsMatch(name, \"^POST \")", false),
        Arguments.of("IsMatch(attributes[\"http.status_code\"], \"^5\")", true),
        Arguments.of("IsMatch(attributes[\"missing\"], \".*\")", false),
        Arguments.of("IsMatch(name, \"health\") == true", true),
        Arguments.of("not IsMatch(name, \"^GET \")", false),
        Arguments.of("not name == \"x\"", true),
        Arguments.of("true or false and false", true),
        Arguments.of("(true or false) and false", false),
        Arguments.of("not true or true", true),
        Arguments.of("not (true or true)", false),
        Arguments.of("false < true", true),
        Arguments.of("\"abc\" < \"abd\"", true),
        Arguments.of("\"\\\"quoted\\\"\" == \"\\\"quoted\\\"\"", true),
        Arguments.of("name == \"GET /health\"\n  and attributes[\"http.status_code\"] == 503", true));
  }

  @ParameterizedTest
  @MethodSource("spanConditions")
  void conditionsEvaluateWithOttlsRules(String condition, boolean expected) throws Exception {
    assertThat(eval(condition)).isEqualTo(expected);
  }

  static Stream<Arguments> eventConditions() {
    return Stream.of(
        Arguments.of("name == \"exception\"", true),
        Arguments.of("spanevent.name == \"exception\"", true),
        Arguments.of("IsMatch(attributes[\"exception.type\"], \"Timeout\")", true),
        Arguments.of("span.name == \"GET /health\"", true),
        Arguments.of("span.attributes[\"http.route\"] == \"/health\"", true),
        Arguments.of("time_unix_nano > span.start_time_unix_nano", true),
        Arguments.of("resource.attributes[\"service.name\"] == \"payments\"", false));
  }

  @ParameterizedTest
  @MethodSource("eventConditions")
  void spanEventConditionsSeeTheEventAndItsSpan(String condition, boolean expected) throws Exception {
    Subject s = new Subject(SUBJECT.resource(), SUBJECT.scope(), SPAN, EVENT);
    assertThat(Condition.parse(condition, Context.SPANEVENT).matches(s)).isEqualTo(expected);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("(true) and Foo(name)", 1, 12, "unknown function \"Foo\" (supported: IsMatch)"),
        Arguments.of("set(attributes[\"x\"], 1)", 1, 1, "unknown function \"set\" (supported: IsMatch)"),
        Arguments.of("nam == \"x\"", 1, 1, "unknown path \"nam\" in the span context (supported: attributes[\"key\"],"
            + " dropped_attributes_count, dropped_events_count, dropped_links_count, end_time_unix_nano,"
            + " instrumentation_scope.attributes[\"key\"], instrumentation_scope.dropped_attributes_count,"
            + " instrumentation_scope.name, instrumentation_scope.version, kind, kind.deprecated_string,"
            + " kind.string, name, parent_span_id, parent_span_id.string, resource.attributes[\"key\"],"
            + " resource.dropped_attributes_count, span_id, span_id.string, start_time_unix_nano,"
            + " status.code, status.message, trace_id, trace_id.string, trace_state)"),
        Arguments.of("name \"x\"", 1, 6, "unexpected the string \"x\" after name (expected: a comparison"
            + " operator ==, !=, <, <=, > or >=)"),
        Arguments.of("name", 1, 5, "unexpected the end of the condition after name (expected: a comparison"
            + " operator ==, !=, <, <=, > or >=)"),
        Arguments.of("name == \"x", 1, 9, "unterminated string (expected: a closing \")"),
        Arguments.of("name = \"x\"", 1, 6, "unexpected \"=\" (expected: ==)"),
        Arguments.of("name ==", 1, 8, "unexpected the end of the condition (expected: a value such as a path,"
            + " string, number, true, false or nil)"),
        Arguments.of("attributes == \"x\"", 1, 1, "path \"attributes\" needs a key, e.g."
            + " attributes[\"http.route\"]"),
        Arguments.of("attributes[0] == \"x\"", 1, 12, "path \"attributes\" is a map (expected: a string key,"
            + " e.g. attributes[\"http.route\"])"),
        Arguments.of("name[\"x\"] == 1", 1, 6, "path \"name\" is not a map and cannot take a key"),
        Arguments.of("attributes[\"a\" == 1", 1, 16, "unexpected \"==\" (expected: \"]\")"),
        Arguments.of("kind == SPAN_KIND_SERVR", 1, 9, "unknown enum \"SPAN_KIND_SERVR\" (supported:"
            + " SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER,"
            + " SPAN_KIND_CONSUMER, STATUS_CODE_UNSET, STATUS_CODE_OK, STATUS_CODE_ERROR)"),
        Arguments.of("(name == \"x\"", 1, 13, "unexpected the end of the condition (expected: \")\" to close"
            + " the \"(\" at column 1)"),
        Arguments.of("name == \"x\")", 1, 12, "unexpected \")\" (no \"(\" is open)"),
        Arguments.of("name == \"x\" nand true", 1, 13, "unexpected \"nand\" (expected: and, or, or the end of"
            + " the condition)"),
        Arguments.of("and == 1", 1, 1, "unexpected \"and\" (expected: a value such as a path, string, number,"
            + " true, false or nil)"),
        Arguments.of("IsMatch(name)", 1, 1, "IsMatch takes 2 arguments (target, pattern), got 1"),
        Arguments.of("IsMatch(name, name)", 1, 15, "the pattern of IsMatch must be a string literal, e.g."
            + " \"^GET \""),
        Arguments.of("IsMatch(name, \"(\")", 1, 15, "invalid regular expression \"(\": Unclosed group"),
        Arguments.of("IsMatch(name, \"x\"", 1, 18, "unexpected the end of the condition in the arguments of"
            + " IsMatch (expected: \",\" or \")\")"),
        Arguments.of("end_time_unix_nano - start_time_unix_nano > 1000", 1, 20, "unexpected \"-\" (arithmetic"
            + " and symbolic operators are not supported; use and, or, not)"),
        Arguments.of("name == \"a\" && true", 1, 13, "unexpected \"&\" (arithmetic and symbolic operators are"
            + " not supported; use and, or, not)"),
        Arguments.of("name == 99999999999999999999", 1, 9, "integer 99999999999999999999 is out of range"
            + " (expected: a 64-bit signed integer)"),
        Arguments.of("trace_id == 0xabc", 1, 13, "byte literal \"0xabc\" (expected: an even number of"
            + " hexadecimal digits after 0x)"),
        Arguments.of("name == \"a\\q\"", 1, 11, "unknown escape \"\\q\" in string (expected: \\\", \\\\, \\n,"
            + " \\r or \\t)"),
        Arguments.of("name == \"x\"\n  and Foo(name)", 2, 7, "unknown function \"Foo\" (supported: IsMatch)"),
        Arguments.of("   ", 1, 4, "empty condition (expected: e.g. attributes[\"http.route\"] == \"/health\")"),
        Arguments.of("time_unix_nano > 0", 1, 1, "unknown path \"time_unix_nano\" in the span context"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidConditionsNameTheLineColumnAndProblem(String condition, int line, int column, String reason) {
    assertThatThrownBy(() -> Condition.parse(condition, Context.SPAN))
        .isInstanceOfSatisfying(OttlParseException.class, e -> {
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.column()).isEqualTo(column);
          assertThat(e.reason()).startsWith(reason);
          assertThat(e.getMessage()).startsWith("line " + line + ", column " + column + ": " + reason);
        });
  }

  @Test
  void spanEventPathsAreNotSpanPaths() {
    assertThatThrownBy(() -> Condition.parse("span.time_unix_nano > 0", Context.SPANEVENT))
        .isInstanceOf(OttlParseException.class)
        .hasMessageStartingWith("line 1, column 1: unknown path \"span.time_unix_nano\" in the spanevent context");
  }

  @Test
  void indexingIntoAStringFailsAtEvaluation() throws Exception {
    Condition c = Condition.parse("attributes[\"http.route\"][\"x\"] == 1", Context.SPAN);
    assertThatThrownBy(() -> c.matches(SUBJECT)).isInstanceOf(OttlEvaluationException.class)
        .hasMessage("attributes[\"http.route\"] is a string, which cannot be indexed with [\"x\"] (expected: a map)");
    Condition outOfRange = Condition.parse("attributes[\"list\"][5] == 1", Context.SPAN);
    assertThatThrownBy(() -> outOfRange.matches(SUBJECT)).isInstanceOf(OttlEvaluationException.class)
        .hasMessage("attributes[\"list\"][5]: index out of range (the slice has 2 elements)");
  }

  @Test
  void andStopsAtTheFirstFalsePart() throws Exception {
    assertThat(eval("false and attributes[\"http.route\"][\"x\"] == 1")).isFalse();
  }
}
