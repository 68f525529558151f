package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.Decision.DROPPED;
import static dev.skein.components.tailsampling.Decision.INVERT_NOT_SAMPLED;
import static dev.skein.components.tailsampling.Decision.INVERT_SAMPLED;
import static dev.skein.components.tailsampling.Decision.NOT_SAMPLED;
import static dev.skein.components.tailsampling.Decision.SAMPLED;
import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.bool;
import static dev.skein.components.tailsampling.TestData.dbl;
import static dev.skein.components.tailsampling.TestData.num;
import static dev.skein.components.tailsampling.TestData.resource;
import static dev.skein.components.tailsampling.TestData.span;
import static dev.skein.components.tailsampling.TestData.str;
import static dev.skein.components.tailsampling.TestData.trace;
import static dev.skein.components.tailsampling.TestData.withStatus;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_OK;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each policy type on small traces, one table per type. */
class PolicyTest {
  private static Arguments row(String policy, TraceData trace, Decision expected) {
    return Arguments.of(policy, trace, expected);
  }

  private static TraceData oneSpan(long startMs, long durationMs) {
    return trace(batch(span(1, startMs, durationMs).build()));
  }

  static Stream<Arguments> latency() {
    String lower = "{name: p, type: latency, latency: {threshold_ms: 5000}}";
    String range = "{name: p, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}}";
    return Stream.of(
        row(lower, oneSpan(0, 5000), SAMPLED),
        row(lower, oneSpan(0, 4999), NOT_SAMPLED),
        // The extent counts, not any single span: 0-1000 ms and 4000-6000 ms make 6 s.
        row(lower, trace(batch(span(1, 0, 1000).build(), span(1, 4000, 2000).build())), SAMPLED),
        row(lower, trace(batch(span(1, 0, 3000).build()), batch(span(1, 2000, 3000).build())), SAMPLED),
        row(range, oneSpan(0, 5000), NOT_SAMPLED),
        row(range, oneSpan(0, 5001), SAMPLED),
        row(range, oneSpan(0, 10000), SAMPLED),
        row(range, oneSpan(0, 10001), NOT_SAMPLED),
        row(range, trace(batch(span(1, 0, 3000).build(), span(1, 2000, 10000).build())), NOT_SAMPLED));
  }

  static Stream<Arguments> statusCode() {
    String errors = "{name: p, type: status_code, status_code: {status_codes: [ERROR]}}";
    String errorOrUnset = "{name: p, type: status_code, status_code: {status_codes: [ERROR, UNSET]}}";
    TraceData ok = trace(batch(withStatus(span(1, 0, 1), STATUS_CODE_OK).build()));
    TraceData okAndError = trace(batch(withStatus(span(1, 0, 1), STATUS_CODE_OK).build(),
        withStatus(span(1, 1, 1), STATUS_CODE_ERROR).build()));
    TraceData unset = trace(batch(withStatus(span(1, 0, 1), STATUS_CODE_UNSET).build()));
    return Stream.of(
        row(errors, ok, NOT_SAMPLED),
        row(errors, okAndError, SAMPLED),
        row(errors, unset, NOT_SAMPLED),
        row(errorOrUnset, unset, SAMPLED),
        row(errorOrUnset, ok, NOT_SAMPLED));
  }

  static Stream<Arguments> stringAttribute() {
    String exact = "{name: p, type: string_attribute, string_attribute: {key: http.route, values: [/checkout, /cart]}}";
    String regex = "{name: p, type: string_attribute, string_attribute: {key: http.route, values: ['^/v1/name/.+'],"
        + " enabled_regex_matching: true, cache_max_size: 2}}";
    String unanchored = "{name: p, type: string_attribute, string_attribute: {key: http.route, values: [val*],"
        + " enabled_regex_matching: true}}";
    String inverted = "{name: p, type: string_attribute, string_attribute: {key: http.route, values: [/health],"
        + " invert_match: true}}";
    String service = "{name: p, type: string_attribute, string_attribute: {key: service.name, values: [checkout]}}";
    return Stream.of(
        row(exact, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/cart")).build())), SAMPLED),
        row(exact, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/home")).build())), NOT_SAMPLED),
        row(exact, trace(batch(span(1))), NOT_SAMPLED),
        row(exact, trace(batch(span(1, 0, 1).addAttributes(num("http.route", 1)).build())), NOT_SAMPLED),
        row(exact, trace(batch(resource(str("http.route", "/checkout")), span(1))), SAMPLED),
        row(service, trace(batch(span(1))), SAMPLED),
        row(regex, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/v1/name/42")).build())), SAMPLED),
        row(regex, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/v1/name/")).build())), NOT_SAMPLED),
        row(regex, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/v2/name/42")).build())), NOT_SAMPLED),
        // Go's MatchString finds the expression anywhere in the value.
        row(unanchored, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/x/value1")).build())), SAMPLED),
        row(inverted, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/health")).build())),
            INVERT_NOT_SAMPLED),
        row(inverted, trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/cart")).build())), INVERT_SAMPLED),
        row(inverted, trace(batch(span(1))), INVERT_SAMPLED),
        row(inverted, trace(batch(resource(str("http.route", "/health")), span(1))), INVERT_NOT_SAMPLED));
  }

  static Stream<Arguments> numericAttribute() {
    String range = "{name: p, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 500,"
        + " max_value: 599}}";
    String atLeast = "{name: p, type: numeric_attribute, numeric_attribute: {key: retries, min_value: 3}}";
    String atMost = "{name: p, type: numeric_attribute, numeric_attribute: {key: retries, max_value: 0}}";
    String inverted = "{name: p, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 200,"
        + " max_value: 299, invert_match: true}}";
    return Stream.of(
        row(range, trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 500)).build())), SAMPLED),
        row(range, trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 599)).build())), SAMPLED),
        row(range, trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 404)).build())), NOT_SAMPLED),
        row(range, trace(batch(span(1, 0, 1).addAttributes(dbl("http.status_code", 503)).build())), NOT_SAMPLED),
        row(range, trace(batch(resource(num("http.status_code", 503)), span(1))), SAMPLED),
        row(atLeast, trace(batch(span(1, 0, 1).addAttributes(num("retries", 1_000_000)).build())), SAMPLED),
        row(atLeast, trace(batch(span(1, 0, 1).addAttributes(num("retries", 2)).build())), NOT_SAMPLED),
        row(atMost, trace(batch(span(1, 0, 1).addAttributes(num("retries", -5)).build())), SAMPLED),
        row(inverted, trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 200)).build())),
            INVERT_NOT_SAMPLED),
        row(inverted, trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 500)).build())),
            INVERT_SAMPLED));
  }

  static Stream<Arguments> booleanAttribute() {
    String forced = "{name: p, type: boolean_attribute, boolean_attribute: {key: app.force_sample, value: true}}";
    String inverted = "{name: p, type: boolean_attribute, boolean_attribute: {key: app.force_sample, value: true,"
        + " invert_match: true}}";
    return Stream.of(
        row(forced, trace(batch(span(1, 0, 1).addAttributes(bool("app.force_sample", true)).build())), SAMPLED),
        row(forced, trace(batch(span(1, 0, 1).addAttributes(bool("app.force_sample", false)).build())), NOT_SAMPLED),
        row(forced, trace(batch(span(1, 0, 1).addAttributes(str("app.force_sample", "true")).build())), NOT_SAMPLED),
        row(inverted, trace(batch(span(1, 0, 1).addAttributes(bool("app.force_sample", true)).build())),
            INVERT_NOT_SAMPLED),
        row(inverted, trace(batch(span(1))), INVERT_SAMPLED));
  }

  static Stream<Arguments> others() {
    String always = "{name: p, type: always_sample}";
    String spanCount = "{name: p, type: span_count, span_count: {min_spans: 2, max_spans: 3}}";
    String spanCountOpen = "{name: p, type: span_count, span_count: {min_spans: 2}}";
    String traceState = "{name: p, type: trace_state, trace_state: {key: tenant, values: [gold, silver]}}";
    return Stream.of(
        row(always, trace(batch(span(1))), SAMPLED),
        row(spanCount, trace(batch(span(1))), NOT_SAMPLED),
        row(spanCount, trace(batch(span(1)), batch(span(1, 1, 1).build())), SAMPLED),
        row(spanCount, trace(batch(span(1), span(1, 1, 1).build(), span(1, 2, 1).build())), SAMPLED),
        row(spanCount, trace(batch(span(1), span(1, 1, 1).build(), span(1, 2, 1).build(), span(1, 3, 1).build())),
            NOT_SAMPLED),
        row(spanCountOpen, trace(batch(span(1), span(1, 1, 1).build(), span(1, 2, 1).build(),
            span(1, 3, 1).build())), SAMPLED),
        row(traceState, trace(batch(span(1, 0, 1).setTraceState("other=1, tenant=gold").build())), SAMPLED),
        row(traceState, trace(batch(span(1, 0, 1).setTraceState("tenant=bronze").build())), NOT_SAMPLED),
        row(traceState, trace(batch(span(1))), NOT_SAMPLED));
  }

  static Stream<Arguments> combining() {
    String and = "{name: p, type: and, and: {and_sub_policy: ["
        + "{name: a, type: string_attribute, string_attribute: {key: service.name, values: [checkout]}},"
        + "{name: b, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: 500}}]}}";
    String andInverted = "{name: p, type: and, and: {and_sub_policy: ["
        + "{name: a, type: string_attribute, string_attribute: {key: http.route, values: [/health],"
        + " invert_match: true}},"
        + "{name: b, type: always_sample}]}}";
    String drop = "{name: p, type: drop, drop: {drop_sub_policy: ["
        + "{name: a, type: string_attribute, string_attribute: {key: http.route, values: [/health, /metrics]}}]}}";
    TraceData error = trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 503)).build()));
    TraceData fine = trace(batch(span(1, 0, 1).addAttributes(num("http.status_code", 200)).build()));
    TraceData health = trace(batch(span(1, 0, 1).addAttributes(str("http.route", "/health")).build()));
    return Stream.of(
        row(and, error, SAMPLED),
        row(and, fine, NOT_SAMPLED),
        row(and, trace(batch(resource().toBuilder().clearAttributes().build(),
            span(1, 0, 1).addAttributes(num("http.status_code", 503)).build())), NOT_SAMPLED),
        // Inside "and", an inverted match counts as its plain meaning.
        row(andInverted, fine, SAMPLED),
        row(andInverted, health, NOT_SAMPLED),
        row(drop, health, DROPPED),
        row(drop, fine, NOT_SAMPLED));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource({"latency", "statusCode", "stringAttribute", "numericAttribute", "booleanAttribute", "others",
      "combining"})
  void decides(String policyYaml, TraceData trace, Decision expected) {
    assertThat(TestData.policy(policyYaml).evaluate(trace)).isEqualTo(expected);
  }
}
