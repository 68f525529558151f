package dev.skein.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceQlParserTest {
  @Test
  void turnsASpansetFilterIntoAStorageCondition() throws Exception {
    TraceQlQuery q = TraceQl.parse("{ span.http.status_code >= 500 && resource.service.name = \"checkout\" }");

    assertThat(q.condition()).isEqualTo(TraceCondition.hasSpan(SpanCondition.all(
        SpanCondition.compare(Attribute.span("http.status_code"), Comparison.GE, Value.integer(500)),
        SpanCondition.compare(Attribute.resource("service.name"), Comparison.EQ, Value.string("checkout")))));
    assertThat(q.exact()).isTrue();
    assertThat(q.singleFilter()).isPresent();
  }

  @Test
  void readsEveryIntrinsicAndItsValues() throws Exception {
    assertThat(condition("{ status = error }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.STATUS, Comparison.EQ, Value.status(StatusCode.STATUS_CODE_ERROR)));
    assertThat(condition("{ span:status != ok }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.STATUS, Comparison.NE, Value.status(StatusCode.STATUS_CODE_OK)));
    assertThat(condition("{ kind = server }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(SpanKind.SPAN_KIND_SERVER)));
    assertThat(condition("{ span:kind = unspecified }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(SpanKind.SPAN_KIND_UNSPECIFIED)));
    assertThat(condition("{ duration > 1h30m }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.DURATION, Comparison.GT, Value.duration(Duration.ofMinutes(90))));
    assertThat(condition("{ span:duration <= 1.5ms }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.DURATION, Comparison.LE, Value.duration(Duration.ofNanos(1_500_000))));
    assertThat(condition("{ name =~ \"GET .*\" }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.NAME, Comparison.MATCHES, Value.string("GET .*")));
    assertThat(condition("{ span:name = `C:\\tmp` }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("C:\\tmp")));
    assertThat(condition("{ statusMessage !~ \"time.*\" }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.STATUS_MESSAGE, Comparison.NOT_MATCHES, Value.string("time.*")));
    assertThat(condition("{ event:name = \"exception\" }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.EVENT_NAME, Comparison.EQ, Value.string("exception")));
    assertThat(condition("{ trace:duration > 2s }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.TRACE_DURATION, Comparison.GT, Value.duration(Duration.ofSeconds(2))));
    assertThat(condition("{ traceDuration > 2s }")).isEqualTo(condition("{ trace:duration > 2s }"));
    assertThat(condition("{ trace:rootService = \"frontend\" }"))
        .isEqualTo(SpanCondition.compare(Intrinsic.ROOT_SERVICE, Comparison.EQ, Value.string("frontend")));
    assertThat(condition("{ rootServiceName = \"frontend\" }")).isEqualTo(condition("{ trace:rootService = \"frontend\" }"));
    assertThat(condition("{ trace:rootName = \"GET /\" }")).isEqualTo(condition("{ rootName = \"GET /\" }"));
  }

  @Test
  void readsAttributesOfEveryScopeAndType() throws Exception {
    assertThat(condition("{ .http.method = \"GET\" }"))
        .isEqualTo(SpanCondition.compare(Attribute.any("http.method"), Comparison.EQ, Value.string("GET")));
    assertThat(condition("{ span.\"attribute with space\" = true }"))
        .isEqualTo(SpanCondition.compare(Attribute.span("attribute with space"), Comparison.EQ, Value.bool(true)));
    assertThat(condition("{ resource.k8s.pod-name != \"a\" }"))
        .isEqualTo(SpanCondition.compare(Attribute.resource("k8s.pod-name"), Comparison.NE, Value.string("a")));
    assertThat(condition("{ span.ratio < -0.5 }"))
        .isEqualTo(SpanCondition.compare(Attribute.span("ratio"), Comparison.LT, Value.decimal(-0.5)));
    assertThat(condition("{ span.count >= -3 }"))
        .isEqualTo(SpanCondition.compare(Attribute.span("count"), Comparison.GE, Value.integer(-3)));
    assertThat(condition("{ span.flag = false }"))
        .isEqualTo(SpanCondition.compare(Attribute.span("flag"), Comparison.EQ, Value.bool(false)));
    assertThat(condition("{ span.text = \"tab\\there \\\"quoted\\\" \\u00e9\" }"))
        .isEqualTo(SpanCondition.compare(Attribute.span("text"), Comparison.EQ, Value.string("tab\there \"quoted\" é")));
  }

  @Test
  void readsNilAsPresenceAndAValueOnTheLeftAsIfOnTheRight() throws Exception {
    assertThat(condition("{ span.error.type != nil }")).isEqualTo(SpanCondition.exists(Attribute.span("error.type")));
    assertThat(condition("{ .x = nil }")).isEqualTo(SpanCondition.not(SpanCondition.exists(Attribute.any("x"))));
    assertThat(condition("{ 500 <= span.code }")).isEqualTo(condition("{ span.code >= 500 }"));
    assertThat(condition("{ 1s > duration }")).isEqualTo(condition("{ duration < 1s }"));
  }

  @Test
  void readsNegationParenthesesAndTheEmptyFilter() throws Exception {
    assertThat(condition("{ !(name = \"a\" || name = \"b\") && kind = client }")).isEqualTo(SpanCondition.all(
        SpanCondition.not(SpanCondition.any(
            SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("a")),
            SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("b")))),
        SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(SpanKind.SPAN_KIND_CLIENT))));
    assertThat(TraceQl.parse("{}").condition()).isNull();
    assertThat(TraceQl.parse("{ true }").condition()).isNull();
    assertThat(TraceQl.parse("{ }").exact()).isTrue();
  }

  @Test
  void combinesSpansetsIntoTraceConditions() throws Exception {
    TraceQlQuery and = TraceQl.parse("{ name = \"a\" } && { name = \"b\" }");
    assertThat(and.condition()).isEqualTo(TraceCondition.allOf(List.of(
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("a"))),
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("b"))))));
    assertThat(and.exact()).isTrue();

    TraceQlQuery or = TraceQl.parse("{ name = \"a\" } || {}");
    assertThat(or.condition()).as("anything may match").isNull();

    TraceQlQuery child = TraceQl.parse("{ name = \"a\" } > { name = \"b\" }");
    assertThat(child.condition()).as("both sides must exist").isEqualTo(and.condition());
    assertThat(child.exact()).isFalse();
    for (String op : List.of(">>", "<", "~")) {
      assertThat(TraceQl.parse("{ name = \"a\" } " + op + " { name = \"b\" }").exact()).isFalse();
    }
  }

  @Test
  void readsPipelines() throws Exception {
    TraceQlQuery count = TraceQl.parse("{ status = error } | count() > 2");
    assertThat(count.exact()).isFalse();
    assertThat(count.condition()).isEqualTo(TraceQl.parse("{ status = error }").condition());

    TraceQlQuery select = TraceQl.parse("{ status = error } | select(span.http.url, resource.host.name, duration)");
    assertThat(select.exact()).isTrue();
    assertThat(select.selected()).containsExactly(Attribute.span("http.url"), Attribute.resource("host.name"),
        Intrinsic.DURATION);

    TraceQlQuery staged = TraceQl.parse("{ kind = server } | { duration > 1s } | avg(duration) >= 1.5s");
    assertThat(staged.condition()).isEqualTo(TraceCondition.allOf(List.of(
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.KIND, Comparison.EQ, Value.kind(SpanKind.SPAN_KIND_SERVER))),
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.DURATION, Comparison.GT, Value.duration(Duration.ofSeconds(1)))))));
    assertThat(staged.singleFilter()).isEmpty();

    for (String q : List.of("{ } | max(span.amount) > 10", "{ } | min(duration) < 1ms", "{ } | sum(span.n) >= 2.5",
        "({ name = \"a\" } > { name = \"b\" }) | count() = 1", "({ .a = 1 } | count() > 1) && { .b = 2 }")) {
      assertThat(TraceQl.parse(q).text()).isEqualTo(q);
    }
  }

  @Test
  void spreadsOverSeveralLines() throws Exception {
    TraceQlQuery q = TraceQl.parse("{\n  resource.service.name = \"checkout\"\n  && duration > 100ms\n}\n| count() > 1");
    assertThat(q.exact()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '#', value = {
      "'' # 1 # 1 # empty query",
      "{ name = \"a\" # 1 # 13 # expected '}' but found the end of the query",
      "{ name = } # 1 # 10 # expected a value",
      "name = \"a\" # 1 # 1 # expected '{' or '('",
      "{ name = \"a } # 1 # 10 # string is not closed",
      "{ name = \"a\" } } # 1 # 16 # expected '|', '&&', '||', a structural operator or the end",
      "{ duration > 10 } # 1 # 14 # duration is compared with a duration such as 100ms",
      "{ status = \"error\" } # 1 # 12 # status is compared with ok, error or unset",
      "{ kind = error } # 1 # 10 # kind is compared with unspecified, internal, server",
      "{ name > \"a\" } # 1 # 8 # expected: =, !=, =~ or !~",
      "{ span.x =~ 5 } # 1 # 10 # expected: =, !=, >, >=, < or <= for a number",
      "{ duration > 5xs } # 1 # 14 # invalid duration '5xs'",
      "{ name = \"a\" && kind = server || status = error } # 1 # 31 # mixing && and || needs parentheses",
      "{ .a = 1 } && { .b = 2 } || { .c = 3 } # 1 # 26 # mixing && and || needs parentheses",
      "{ name =~ \"(\" } # 1 # 8 # regular expression \"(\"",
      "{ name =~ \"(?=x)\" } # 1 # 8 # is not supported (expected: RE2 syntax",
      "{ span.a = \"\\q\" } # 1 # 12 # invalid escape \\q",
      "{ name = \"a\" } @ # 1 # 16 # unexpected character '@'",
      "{ .a = 1 } | # 1 # 13 # expected a spanset filter",
      "{ } | count() > \"x\" # 1 # 17 # count() is compared with an integer",
      "{ } | avg(duration) > 5 # 1 # 23 # compared with a duration such as 100ms",
      "{ } | avg(span.x) > 5s # 1 # 21 # compared with a number",
      "{ } | count() =~ 5 # 1 # 15 # expected =, !=, <, <=, > or >= after count()",
      "count() > 1 # 1 # 1 # count() must follow a spanset",
      "{ .a = 1 }\\n| by(name) # 2 # 3 # by() is not supported",
      "{ } | coalesce() # 1 # 7 # coalesce() is not supported",
      "{ } | rate() # 1 # 7 # 'rate' is not supported after '|'",
      "{ .a = 1 } << { .b = 2 } # 1 # 12 # the spanset operator << is not supported",
      "{ .a = 1 } !> { .b = 2 } # 1 # 12 # the spanset operator !> is not supported",
      "{ .a = 1 } !~ { .b = 2 } # 1 # 12 # the spanset operator !~ is not supported",
      "{ .a = 1 } &>> { .b = 2 } # 1 # 12 # the spanset operator & is not supported",
      "{ childCount > 1 } # 1 # 3 # the intrinsic childCount is not supported",
      "{ span:id = \"a\" } # 1 # 3 # the intrinsic span:id is not supported",
      "{ parent.http.method = \"GET\" } # 1 # 3 # the attribute scope parent. is not supported",
      "{ event.exception.type = \"x\" } # 1 # 3 # the attribute scope event. is not supported",
      "{ span.a + 1 > 2 } # 1 # 10 # arithmetic (+) is not supported",
      "{ span.a = span.b } # 1 # 12 # comparing two fields is not supported",
      "{ 1 = 1 } # 1 # 3 # comparing two values is not supported",
      "{ \"x\" =~ name } # 1 # 3 # the regular expression must be on the right",
      "{ duration > 1s } | { .a = 1 } > { .b = 2 } # 1 # 32 # only a single spanset filter",
      "{ span.a = nil } | count() > 1 | select() # 1 # 41 # expected a field",
      "{ span.a < nil } # 1 # 10 # nil is compared with = or != only",
      "{ span.a = 99999999999999999999 } # 1 # 12 # the number 99999999999999999999 is out of range",
      "{ span.a = 1s } # 1 # 12 # comparing an attribute with '1s' is not supported",
      "{ span.\"\" = 1 } # 1 # 3 # expected an attribute name after '.' but found an empty string",
      "{ span.a > \u0663.\u0663 } # 1 # 12 # unexpected character '\u0663'",
  })
  void refusesWithLineAndColumn(String query, int line, int column, String message) {
    assertThatThrownBy(() -> TraceQl.parse(query.replace("\\n", "\n")))
        .isInstanceOfSatisfying(TraceQlException.class, e -> {
          assertThat(e.getMessage()).contains(message);
          assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
          assertThat(e.column()).as("column of: %s", e.getMessage()).isEqualTo(column);
          assertThat(e.getMessage()).startsWith("line " + line + ", column " + column + ": ");
        });
  }

  @Test
  void readsLongDurations() throws Exception {
    // Long enough to overflow a request thread's stack when the whole duration was one regular
    // expression match.
    String query = "{ duration > " + "1h".repeat(3000) + " }";
    FutureTask<SpanCondition> parse = new FutureTask<>(() -> condition(query));
    Thread thread = new Thread(null, parse, "traceql-parser", 512 * 1024);
    thread.start();
    assertThat(parse.get())
        .isEqualTo(SpanCondition.compare(Intrinsic.DURATION, Comparison.GT, Value.duration(Duration.ofHours(3000))));
    assertThatThrownBy(() -> TraceQl.parse("{ duration > " + "1h".repeat(3000) + "1x }"))
        .isInstanceOf(TraceQlException.class)
        .hasMessageContaining("invalid duration");
  }

  @Test
  void refusesNestingDeeperThanTheLimit() throws Exception {
    int max = Parser.MAX_NESTING;
    TraceQl.parse("{ " + "(".repeat(max) + "name = \"a\"" + ")".repeat(max) + " }");
    TraceQl.parse("{ }" + " > { }".repeat(max));
    for (String query : List.of(
        "{ " + "(".repeat(max + 1) + "name = \"a\"" + ")".repeat(max + 1) + " }",
        "(".repeat(max + 1) + "{ }" + ")".repeat(max + 1),
        "{ " + "!".repeat(max + 1) + "name = \"a\" }",
        "{ span.a = " + "-".repeat(max + 1) + "1 }",
        "{ }" + " && { }".repeat(max + 1),
        "{ }" + " >> { }".repeat(max + 1),
        // Deep enough to overflow a request thread's stack without the limit.
        "{ " + "(".repeat(5000) + "name = \"a\"" + ")".repeat(5000) + " }")) {
      assertThatThrownBy(() -> TraceQl.parse(query))
          .isInstanceOfSatisfying(TraceQlException.class, e -> {
            assertThat(e.getMessage()).contains("the query nests deeper than " + max + " levels");
            assertThat(e.line()).isEqualTo(1);
          });
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ span.http.status_code = 200 } > { name = \"x\" } >> { kind = client }",
      "({ .a = 1 } || { .b = 1 }) && { .c = 1 }",
      "{ .a = 1 } && ({ .b = 1 } || { .c = 1 })",
      "{ (name = \"a\" && kind = server) || status = error }",
      "{ .service.name = \"checkout\" } ~ { span.db.system = \"postgresql\" }",
      "{ } | { name = \"a\" } | select(name)",
  })
  void acceptsTheSupportedSubset(String query) throws Exception {
    assertThat(TraceQl.parse(query).text()).isEqualTo(query);
  }

  private static SpanCondition condition(String query) throws TraceQlException {
    return TraceQl.parse(query).singleFilter().orElseThrow();
  }
}
