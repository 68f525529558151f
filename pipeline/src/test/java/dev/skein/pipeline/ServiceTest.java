package dev.skein.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.model.Traces;
import dev.skein.pipeline.config.ConfigSource;
import dev.skein.pipeline.config.ResolvedConfig;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceTest {
  static final Traces TWO_SPANS = Traces.of(List.of(ResourceSpans.newBuilder()
      .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder().setName("a")).addSpans(Span.newBuilder().setName("b")))
      .build()));

  @BeforeEach
  void clear() {
    TestComponents.EVENTS.clear();
  }

  static Service service(String yaml) throws Exception {
    return Service.create(ResolvedConfig.resolve(ConfigSource.parse(yaml, Map.<String, String>of()::get),
        ConfigResolutionTest.REGISTRY), new Telemetry());
  }

  @Test
  void startsInDependencyOrderAndStopsInReverse() throws Exception {
    Service s = service(ConfigResolutionTest.VALID);
    s.start();
    s.start();
    assertThat(TestComponents.EVENTS).containsExactly(
        "start extension", "start sink", "start processor", "start processor", "start receiver");
    TestComponents.EVENTS.clear();
    s.shutdown();
    s.shutdown();
    assertThat(TestComponents.EVENTS).containsExactly(
        "stop receiver", "stop processor", "stop processor", "stop sink", "stop extension");
  }

  @Test
  void shutdownWithoutStartIsSafe() throws Exception {
    service(ConfigResolutionTest.VALID).shutdown();
    assertThat(TestComponents.EVENTS).isEmpty();
  }

  @Test
  void dataFlowsThroughEveryProcessorToEveryExporter() throws Exception {
    String yaml = ConfigResolutionTest.VALID.replace("  sink:", "  sink:\n  sink/b:")
        .replace("exporters: [sink]", "exporters: [sink, sink/b]");
    Service s = service(yaml);
    s.start();
    TestComponents.Source.last.consume(TWO_SPANS).join();
    assertThat(TestComponents.EVENTS).containsSubsequence("processed 2", "processed 2")
        .contains("sink got 2", "sink/b got 2");
    s.shutdown();
  }

  @Test
  void aFailingExporterDoesNotStopItsSiblings() throws Exception {
    String yaml = ConfigResolutionTest.VALID.replace("  sink:", "  sink:\n  sink/broken: {fail: true}")
        .replace("exporters: [sink]", "exporters: [sink/broken, sink]");
    Service s = service(yaml);
    s.start();
    assertThatThrownBy(() -> TestComponents.Source.last.consume(TWO_SPANS).join())
        .hasRootCauseMessage("sink/broken is broken");
    assertThat(TestComponents.EVENTS).contains("sink got 2");
    s.shutdown();
  }

  @Test
  void oneReceiverFeedsEveryPipelineThatNamesIt() throws Exception {
    String yaml = ConfigResolutionTest.VALID.replace("  sink:", "  sink:\n  sink/b:")
        + "    traces/second:\n      receivers: [source]\n      exporters: [sink/b]\n";
    Service s = service(yaml);
    s.start();
    TestComponents.Source.last.consume(TWO_SPANS).join();
    assertThat(TestComponents.EVENTS).contains("sink got 2", "sink/b got 2");
    assertThat(TestComponents.EVENTS.stream().filter(e -> e.equals("start receiver"))).hasSize(1);
    s.shutdown();
  }
}
