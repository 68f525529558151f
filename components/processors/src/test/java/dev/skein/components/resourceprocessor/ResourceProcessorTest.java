package dev.skein.components.resourceprocessor;

import static dev.skein.components.processortest.Fixtures.attributes;
import static dev.skein.components.processortest.Fixtures.errors;
import static dev.skein.components.processortest.Fixtures.group;
import static dev.skein.components.processortest.Fixtures.integer;
import static dev.skein.components.processortest.Fixtures.kv;
import static dev.skein.components.processortest.Fixtures.resource;
import static dev.skein.components.processortest.Fixtures.scope;
import static dev.skein.components.processortest.Fixtures.settings;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.str;
import static dev.skein.components.processortest.Fixtures.traces;
import static dev.skein.components.processortest.Fixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.processortest.Fixtures.Sink;
import dev.skein.model.Traces;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceProcessorTest {
  static final ResourceProcessorFactory FACTORY = new ResourceProcessorFactory();

  static Traces run(String yaml, Traces in) {
    Sink sink = new Sink();
    TracesProcessor p = FACTORY.createTracesProcessor(settings("resource", new Telemetry()), valid(FACTORY, yaml), sink);
    assertThat(p.consume(in)).isCompleted();
    return sink.only();
  }

  static Traces batch() {
    return traces(
        group(resource("checkout", kv("host.name", "web-1"), kv("process.pid", integer(4242))),
            scope("io.opentelemetry.jdbc", "2.1.0"), span("SELECT orders"), span("INSERT orders")),
        group(resource("payments", kv("host.name", "web-2")), scope("io.opentelemetry.grpc", "2.1.0"),
            span("Charge")));
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("the seed guide's environment tag is added to every resource",
            "attributes: [{key: deployment.environment, value: production, action: upsert}]",
            Map.of("deployment.environment", str("production"), "host.name", str("web-1")),
            Map.of("deployment.environment", str("production"), "host.name", str("web-2"))),
        Arguments.of("insert leaves a resource that already has the key",
            "attributes: [{key: host.name, value: unknown, action: insert}]",
            Map.of("host.name", str("web-1")), Map.of("host.name", str("web-2"))),
        Arguments.of("copy then delete renames a key",
            "attributes: [{key: host, from_attribute: host.name, action: insert}, {key: host.name, action: delete}]",
            Map.of("host", str("web-1")), Map.of("host", str("web-2"))),
        Arguments.of("convert changes the type where the key exists",
            "attributes: [{key: process.pid, action: convert, converted_type: string}]",
            Map.of("process.pid", str("4242")), Map.of("service.name", str("payments"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void actionsChangeEveryResource(String name, String yaml, Map<String, AnyValue> first,
      Map<String, AnyValue> second) {
    List<ResourceSpans> out = run(yaml, batch()).resourceSpans();
    assertThat(out).hasSize(2);
    assertThat(attributes(out.get(0).getResource().getAttributesList())).containsAllEntriesOf(first);
    assertThat(attributes(out.get(1).getResource().getAttributesList())).containsAllEntriesOf(second);
  }

  @Test
  void spansAndScopesPassThroughUntouched() {
    Traces in = batch();
    Traces out = run("attributes: [{key: deployment.environment, value: production, action: upsert}]", in);
    assertThat(out.spanCount()).isEqualTo(3);
    for (int i = 0; i < 2; i++) {
      assertThat(out.resourceSpans().get(i).getScopeSpansList())
          .isEqualTo(in.resourceSpans().get(i).getScopeSpansList());
    }
  }

  @Test
  void aBatchNothingAppliesToIsPassedOnAsItIs() {
    Traces in = batch();
    assertThat(run("attributes: [{key: missing, value: x, action: update}]", in)).isSameAs(in);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("{}", "processors::resource::attributes: missing (expected: at least one action, e.g."
            + " {key: deployment.environment, value: prod, action: upsert})"),
        Arguments.of("attributes: [{key: a, value: 1, action: upsertt}]",
            "processors::resource::attributes[0]::action: \"upsertt\" (expected: insert, update, upsert, delete,"
                + " hash, extract or convert)"),
        Arguments.of("attributes: [{key: tenant, from_context: metadata.tenant, action: insert}]",
            "processors::resource::attributes[0]::from_context: \"metadata.tenant\" is not supported (Skein's"
                + " pipelines carry no client metadata; use value or from_attribute)"),
        Arguments.of("actions: [{key: a, value: 1, action: insert}]",
            "processors::resource::actions: unknown key; valid keys: attributes"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void configurationErrorsNameTheirPath(String yaml, String expected) {
    assertThat(errors(FACTORY, yaml)).containsExactly(expected);
  }
}
