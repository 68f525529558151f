package dev.skein.components.filterprocessor;

import static dev.skein.components.processortest.Fixtures.errors;
import static dev.skein.components.processortest.Fixtures.group;
import static dev.skein.components.processortest.Fixtures.names;
import static dev.skein.components.processortest.Fixtures.resource;
import static dev.skein.components.processortest.Fixtures.scope;
import static dev.skein.components.processortest.Fixtures.settings;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.traces;
import static dev.skein.components.processortest.Fixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.processortest.Fixtures.Sink;
import dev.skein.model.Traces;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FilterProcessorTest {
  static final FilterProcessorFactory FACTORY = new FilterProcessorFactory();
  static final String HEALTH = "traces:\n  span:\n    - 'attributes[\"http.route\"] == \"/health\"'\n";

  final Telemetry telemetry = new Telemetry();
  final Sink sink = new Sink();

  TracesProcessor processor(String yaml) {
    return FACTORY.createTracesProcessor(settings("filter/health", telemetry), valid(FACTORY, yaml), sink);
  }

  static Traces batch() {
    return traces(
        group(resource("checkout"), scope("io.opentelemetry.tomcat", "2.1.0"),
            span("GET /health", "http.route", "/health").setKind(Span.SpanKind.SPAN_KIND_SERVER),
            span("GET /orders", "http.route", "/orders").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .addEvents(Span.Event.newBuilder().setName("debug-log"))
                .addEvents(Span.Event.newBuilder().setName("exception"))),
        group(resource("probe"), scope("io.opentelemetry.tomcat", "2.1.0"),
            span("GET /health", "http.route", "/health").setKind(Span.SpanKind.SPAN_KIND_SERVER)),
        group(resource("payments"), scope("io.opentelemetry.jdbc", "2.1.0"),
            span("SELECT orders").setKind(Span.SpanKind.SPAN_KIND_CLIENT)));
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        Arguments.of("the health-check example drops health checks only", HEALTH,
            List.of("GET /orders", "SELECT orders")),
        Arguments.of("a span matching any condition is dropped",
            "traces:\n  span:\n    - 'kind == SPAN_KIND_CLIENT'\n    - 'name == \"GET /orders\"'\n",
            List.of("GET /health", "GET /health")),
        Arguments.of("conditions combine with and, or and not",
            "traces:\n  span:\n    - 'resource.attributes[\"service.name\"] == \"checkout\" and not IsMatch(name, \"health\")'\n",
            List.of("GET /health", "GET /health", "SELECT orders")),
        Arguments.of("nothing matching keeps everything", "traces: {span: ['name == \"nothing\"']}",
            List.of("GET /health", "GET /orders", "GET /health", "SELECT orders")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void spansMatchingAnyConditionAreDropped(String name, String yaml, List<String> kept) {
    assertThat(processor(yaml).consume(batch())).isCompleted();
    assertThat(names(sink.only())).containsExactlyElementsOf(kept);
  }

  @Test
  void emptiedScopesAndResourcesAreRemovedAndDroppedSpansCounted() {
    processor(HEALTH).consume(batch());
    Traces out = sink.only();
    assertThat(out.resourceSpans()).extracting(rs -> rs.getResource().getAttributes(0).getValue().getStringValue())
        .containsExactly("checkout", "payments");
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_processor_dropped_spans", "processor", "filter/health"), 2L);
  }

  @Test
  void aBatchWithNothingLeftIsAcknowledgedWithoutBeingPassedOn() {
    CompletableFuture<Void> f = processor("traces: {span: ['true']}").consume(batch());
    assertThat(f).isCompleted();
    assertThat(f).isNotCompletedExceptionally();
    assertThat(sink.batches()).isEmpty();
  }

  @Test
  void aBatchNothingMatchesIsPassedOnAsItIs() {
    Traces in = batch();
    processor("traces: {span: ['name == \"nothing\"']}").consume(in);
    assertThat(sink.only()).isSameAs(in);
  }

  @Test
  void spanEventsMatchingAConditionAreDroppedAndTheSpanKept() {
    processor("traces: {spanevent: ['name == \"debug-log\" and span.name == \"GET /orders\"']}").consume(batch());
    Traces out = sink.only();
    assertThat(out.spanCount()).isEqualTo(4);
    Span orders = out.resourceSpans().get(0).getScopeSpans(0).getSpans(1);
    assertThat(orders.getEventsList()).extracting(Span.Event::getName).containsExactly("exception");
  }

  @Test
  void aDroppedSpansEventsAreNotChecked() {
    processor("traces: {span: ['name == \"GET /orders\"'], spanevent: ['name == \"debug-log\"']}").consume(batch());
    assertThat(names(sink.only())).containsExactly("GET /health", "GET /health", "SELECT orders");
  }

  static final String FAILING = "traces: {span: ['attributes[\"http.route\"][\"x\"] == 1', 'kind == SPAN_KIND_CLIENT']}";

  @Test
  void propagateRefusesTheBatchPermanentlyWhenAConditionFails() {
    CompletableFuture<Void> f = processor("error_mode: propagate\n" + FAILING).consume(batch());
    assertThat(f).isCompletedExceptionally();
    PipelineException e = PipelineException.classify(f.handle((v, t) -> t).join());
    assertThat(e.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    assertThat(e).hasMessageContaining("attributes[\"http.route\"] is a string, which cannot be indexed");
    assertThat(sink.batches()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("quietModes")
  void ignoreAndSilentTreatAFailedConditionAsFalse(String mode) {
    assertThat(processor("error_mode: " + mode + "\n" + FAILING).consume(batch())).isCompleted();
    assertThat(names(sink.only())).containsExactly("GET /health", "GET /orders", "GET /health");
  }

  static Stream<String> quietModes() {
    return Stream.of("ignore", "silent");
  }

  static Stream<Arguments> invalid() {
    String p = "processors::filter::";
    return Stream.of(
        Arguments.of("traces: {span: ['(true) and Foo(name)']}",
            List.of(p + "traces::span[0]: line 1, column 12: unknown function \"Foo\" (supported: IsMatch)")),
        Arguments.of("traces: {span: ['name == \"a\"', 'name ==']}",
            List.of(p + "traces::span[1]: line 1, column 8: unexpected the end of the condition (expected: a"
                + " value such as a path, string, number, true, false or nil)")),
        Arguments.of("traces: {spanevent: ['kind == 1']}",
            List.of(p + "traces::spanevent[0]: line 1, column 1: unknown path \"kind\" in the spanevent context"
                + " (supported: attributes[\"key\"], dropped_attributes_count, instrumentation_scope.attributes[\"key\"],"
                + " instrumentation_scope.dropped_attributes_count, instrumentation_scope.name,"
                + " instrumentation_scope.version, name, resource.attributes[\"key\"],"
                + " resource.dropped_attributes_count, span.attributes[\"key\"], span.dropped_attributes_count,"
                + " span.dropped_events_count, span.dropped_links_count, span.end_time_unix_nano, span.kind,"
                + " span.kind.deprecated_string, span.kind.string, span.name, span.parent_span_id,"
                + " span.parent_span_id.string, span.span_id, span.span_id.string, span.start_time_unix_nano,"
                + " span.status.code, span.status.message, span.trace_id, span.trace_id.string, span.trace_state,"
                + " time_unix_nano)")),
        Arguments.of("error_mode: loud\n" + HEALTH,
            List.of(p + "error_mode: \"loud\" (expected: propagate, ignore or silent)")),
        Arguments.of("error_mode: ignore",
            List.of(p + "traces: no conditions (expected: at least one under traces::span or traces::spanevent,"
                + " e.g. span: ['attributes[\"http.route\"] == \"/health\"'])")),
        Arguments.of("traces: {resource: ['true']}",
            List.of(p + "traces::resource: unknown key; valid keys: span, spanevent")));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void configurationErrorsNameTheConditionAndPosition(String yaml, List<String> expected) {
    assertThat(errors(FACTORY, yaml)).containsExactlyElementsOf(expected);
  }
}
