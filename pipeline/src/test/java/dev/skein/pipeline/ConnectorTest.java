package dev.skein.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectorTest {
  static final String JOINED = String.join("\n",
      "receivers: {source: }",
      "connectors: {link: }",
      "exporters: {sink: , msink: }",
      "processors: {counting: }",
      "service:",
      "  pipelines:",
      "    traces/in: {receivers: [source], exporters: [link]}",
      "    traces/out: {receivers: [link], processors: [counting], exporters: [sink]}",
      "    metrics: {receivers: [link], exporters: [msink]}",
      "");

  @BeforeEach
  void clear() {
    TestComponents.EVENTS.clear();
  }

  static ResolvedConfig resolve(String yaml) throws ConfigException {
    return ResolvedConfig.resolve(ConfigSource.parse(yaml, Map.<String, String>of()::get),
        ConfigResolutionTest.REGISTRY);
  }

  @Test
  void aConnectorEndsOnePipelineAndStartsOthersOfEitherSignal() throws Exception {
    Service s = Service.create(resolve(JOINED), new Telemetry());
    s.start();
    assertThat(TestComponents.EVENTS).containsSubsequence("start sink", "start processor", "start link", "start receiver");
    TestComponents.Source.last.consume(ServiceTest.TWO_SPANS).join();
    assertThat(TestComponents.EVENTS).contains("link forwarded 2", "processed 2", "sink got 2", "msink got metric 2");
    TestComponents.EVENTS.clear();
    s.shutdown();
    assertThat(TestComponents.EVENTS).containsSubsequence("stop receiver", "stop link", "stop processor", "stop sink");
  }

  @Test
  void aConnectorUsedOnOneSideOnlyIsAnError() {
    String yaml = JOINED.replace("    traces/out: {receivers: [link], processors: [counting], exporters: [sink]}\n", "")
        .replace("    metrics: {receivers: [link], exporters: [msink]}\n", "");
    assertThat(errors(yaml)).anySatisfy(e -> assertThat(e).isEqualTo(
        "connectors::link: used as an exporter only (expected: an exporter in one pipeline and a receiver in another)"));
  }

  @Test
  void cyclesAreRejected() {
    String yaml = JOINED.replace("exporters: [sink]}", "exporters: [link]}");
    assertThat(errors(yaml)).anySatisfy(e -> assertThat(e).contains("connectors form a cycle"));
  }

  @Test
  void componentsMustSupportThePipelinesSignal() {
    String yaml = JOINED.replace("exporters: [msink]}", "exporters: [sink]}");
    assertThat(errors(yaml)).anySatisfy(e -> assertThat(e)
        .isEqualTo("service::pipelines::metrics: exporter \"sink\" does not support metrics"));
  }

  static java.util.List<String> errors(String yaml) {
    try {
      resolve(yaml);
    } catch (ConfigException e) {
      return e.errors();
    }
    throw new AssertionError("expected errors");
  }
}
