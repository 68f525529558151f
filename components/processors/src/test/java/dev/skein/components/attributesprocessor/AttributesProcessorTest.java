package dev.skein.components.attributesprocessor;

import static dev.skein.components.processortest.Fixtures.attributes;
import static dev.skein.components.processortest.Fixtures.errors;
import static dev.skein.components.processortest.Fixtures.group;
import static dev.skein.components.processortest.Fixtures.integer;
import static dev.skein.components.processortest.Fixtures.kv;
import static dev.skein.components.processortest.Fixtures.resource;
import static dev.skein.components.processortest.Fixtures.scope;
import static dev.skein.components.processortest.Fixtures.settings;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.traces;
import static dev.skein.components.processortest.Fixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.processortest.Fixtures.Sink;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttributesProcessorTest {
  static final AttributesProcessorFactory FACTORY = new AttributesProcessorFactory();
  static final String ACTION = "actions: [{key: tagged, value: true, action: insert}]\n";

  /** Spans from two services and two libraries, with varied kinds and attributes. */
  static Traces batch() {
    return traces(
        group(resource("checkout", kv("k8s.namespace.name", "shop")), scope("io.opentelemetry.jdbc", "2.1.0"),
            span("SELECT orders", "db.system", "postgresql").setKind(Span.SpanKind.SPAN_KIND_CLIENT),
            span("GET /health", "http.route", "/health").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .addAttributes(kv("http.status_code", integer(200)))),
        group(resource("payments"), scope("io.opentelemetry.grpc", "1.9.0"),
            span("Charge", "rpc.system", "grpc").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .addAttributes(kv("http.status_code", integer(503))),
            span("internal work").setKind(Span.SpanKind.SPAN_KIND_INTERNAL)));
  }

  static List<String> tagged(String yaml) {
    Sink sink = new Sink();
    assertThat(FACTORY.createTracesProcessor(settings("attributes", new Telemetry()), valid(FACTORY, yaml), sink)
        .consume(batch())).isCompleted();
    List<String> out = new ArrayList<>();
    sink.only().forEachSpan((rs, ss, s) -> {
      if (attributes(s.getAttributesList()).containsKey("tagged")) {
        out.add(s.getName());
      }
    });
    return out;
  }

  static Stream<Arguments> selections() {
    return Stream.of(
        Arguments.of("no include or exclude changes every span", "",
            List.of("SELECT orders", "GET /health", "Charge", "internal work")),
        Arguments.of("include by service", "include: {match_type: strict, services: [payments]}",
            List.of("Charge", "internal work")),
        Arguments.of("exclude by service", "exclude: {match_type: strict, services: [payments]}",
            List.of("SELECT orders", "GET /health")),
        Arguments.of("include by span name, any of the list",
            "include: {match_type: strict, span_names: [Charge, 'GET /health']}", List.of("GET /health", "Charge")),
        Arguments.of("regexp span names match anywhere",
            "include: {match_type: regexp, span_names: ['orders$']}", List.of("SELECT orders")),
        Arguments.of("include by span kind",
            "include: {match_type: strict, span_kinds: [SPAN_KIND_SERVER]}", List.of("GET /health", "Charge")),
        Arguments.of("attribute key presence",
            "include: {match_type: strict, attributes: [{key: db.system}]}", List.of("SELECT orders")),
        Arguments.of("attribute values are typed in strict mode",
            "include: {match_type: strict, attributes: [{key: http.status_code, value: 503}]}", List.of("Charge")),
        Arguments.of("a string does not equal an int in strict mode",
            "include: {match_type: strict, attributes: [{key: http.status_code, value: '503'}]}", List.of()),
        Arguments.of("regexp attribute values match the value's text",
            "include: {match_type: regexp, attributes: [{key: http.status_code, value: '^5\\d\\d$'}]}",
            List.of("Charge")),
        Arguments.of("every listed attribute must match",
            "include: {match_type: strict, attributes: [{key: http.route}, {key: db.system}]}", List.of()),
        Arguments.of("resource attributes",
            "include: {match_type: strict, resources: [{key: k8s.namespace.name, value: shop}]}",
            List.of("SELECT orders", "GET /health")),
        Arguments.of("libraries by name and version",
            "include: {match_type: strict, libraries: [{name: io.opentelemetry.grpc, version: 1.9.0}]}",
            List.of("Charge", "internal work")),
        Arguments.of("a library version that differs does not match",
            "include: {match_type: strict, libraries: [{name: io.opentelemetry.grpc, version: 2.0.0}]}", List.of()),
        Arguments.of("every set property must match",
            "include: {match_type: strict, services: [checkout], span_kinds: [SPAN_KIND_SERVER]}",
            List.of("GET /health")),
        Arguments.of("include is checked before exclude",
            "include: {match_type: strict, services: [checkout]}\n"
                + "exclude: {match_type: regexp, span_names: [health]}", List.of("SELECT orders")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selections")
  void includeAndExcludeSelectTheSpansTheCollectorWould(String name, String selection, List<String> expected) {
    assertThat(tagged(ACTION + selection)).containsExactlyElementsOf(expected);
  }

  @Test
  void anAttributeIsRedactedOnlyOnTheSelectedSpans() {
    Sink sink = new Sink();
    String yaml = "actions: [{key: db.system, action: hash}]\n"
        + "include: {match_type: strict, services: [checkout]}";
    FACTORY.createTracesProcessor(settings("attributes", new Telemetry()), valid(FACTORY, yaml), sink)
        .consume(batch());
    Traces out = sink.only();
    assertThat(out.spanCount()).isEqualTo(4);
    assertThat(attributes(out.resourceSpans().get(0).getScopeSpans(0).getSpans(0).getAttributesList())
        .get("db.system").getStringValue()).hasSize(64).isNotEqualTo("postgresql");
    assertThat(out.resourceSpans().get(1)).isEqualTo(batch().resourceSpans().get(1));
  }

  static Stream<Arguments> invalid() {
    String p = "processors::attributes::";
    return Stream.of(
        Arguments.of("{}", p + "actions: missing (expected: at least one action, e.g. {key: env, value: prod,"
            + " action: upsert})"),
        Arguments.of("actions: [{key: a, value: 1, action: insert}, {key: b, value: 1, action: insert},"
            + " {key: c, value: 1, action: upsertt}]",
            p + "actions[2]::action: \"upsertt\" (expected: insert, update, upsert, delete, hash, extract or convert)"),
        Arguments.of(ACTION + "include: {services: [a]}",
            p + "include::match_type: missing (expected: strict or regexp)"),
        Arguments.of(ACTION + "include: {match_type: regex, services: [a]}",
            p + "include::match_type: \"regex\" (expected: strict or regexp)"),
        Arguments.of(ACTION + "exclude: {match_type: strict}",
            p + "exclude: nothing to match (expected: at least one of services, span_names, span_kinds,"
                + " attributes, resources or libraries)"),
        Arguments.of(ACTION + "include: {match_type: strict, span_kinds: [server]}",
            p + "include::span_kinds[0]: \"server\" (expected: one of SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER,"
                + " SPAN_KIND_INTERNAL, SPAN_KIND_PRODUCER, SPAN_KIND_SERVER)"),
        Arguments.of(ACTION + "include: {match_type: regexp, attributes: [{key: code, value: 200}]}",
            p + "include::attributes[0]::value: 200 (expected: a string regular expression when match_type is"
                + " regexp)"),
        Arguments.of(ACTION + "include: {match_type: strict, attributes: [{value: x}]}",
            p + "include::attributes[0]::key: missing (expected: the attribute to match)"),
        Arguments.of(ACTION + "include: {match_type: strict, log_bodies: [x]}",
            p + "include::log_bodies: unknown key; valid keys: attributes, libraries, match_type, regexp,"
                + " resources, services, span_kinds, span_names"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void configurationErrorsNameTheirPath(String yaml, String expected) {
    assertThat(errors(FACTORY, yaml)).containsExactly(expected);
  }

  @Test
  void anInvalidRegexpNamesItsPath() {
    assertThat(errors(FACTORY, ACTION + "include: {match_type: regexp, span_names: [ok, '(']}"))
        .singleElement().asString()
        .startsWith("processors::attributes::include::span_names[1]: \"(\" (expected: a valid regular expression;");
  }
}
