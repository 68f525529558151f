package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesProcessor;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TailSamplingProcessorFactoryTest {
  @Test
  void isFoundByItsTypeAsAProcessor() {
    assertThat(ServiceLoader.load(ComponentFactory.class).stream().map(ServiceLoader.Provider::get))
        .filteredOn(f -> f.type().equals("tail_sampling"))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.kind()).isEqualTo(ComponentKind.PROCESSOR);
          assertThat(f.configType()).isEqualTo(TailSamplingConfig.class);
        });
  }

  @Test
  void onceStartedItDecidesOnItsOwnTimer() throws Exception {
    TailSamplingConfig config = TestData.valid("decision_wait: 20ms\npolicies: [{name: all, type: always_sample}]");
    CompletableFuture<Traces> received = new CompletableFuture<>();
    TracesProcessor p = new TailSamplingProcessorFactory().createTracesProcessor(
        new CreateSettings(ComponentId.parse("tail_sampling/real"), new Telemetry()), config, t -> {
          received.complete(t);
          return CompletableFuture.completedFuture(null);
        });
    Host host = Map::of;
    p.start(host);
    p.start(host);
    try {
      p.consume(batch(span(1))).get(10, TimeUnit.SECONDS);
      assertThat(received.get(10, TimeUnit.SECONDS).spanCount()).isEqualTo(1);
    } finally {
      p.shutdown();
    }
  }
}
