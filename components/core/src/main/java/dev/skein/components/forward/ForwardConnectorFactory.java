package dev.skein.components.forward;

import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Signal;
import dev.skein.pipeline.TracesConnector;
import dev.skein.pipeline.TracesConsumer;
import java.util.concurrent.CompletableFuture;

/**
 * The Collector's {@code forward} connector: hands spans from the end of one traces pipeline to
 * the start of others unchanged, e.g. to share a receiver's processing between two pipelines.
 */
public final class ForwardConnectorFactory implements ConnectorFactory<ForwardConnectorFactory.Config> {
  /** {@code forward} has no settings. */
  static final class Config implements ComponentConfig {}

  @Override
  public String type() {
    return "forward";
  }

  @Override
  public Config createDefaultConfig() {
    return new Config();
  }

  @Override
  public boolean supports(Signal from, Signal to) {
    return from == Signal.TRACES && to == Signal.TRACES;
  }

  @Override
  public TracesConnector createTracesToTraces(CreateSettings settings, Config config, TracesConsumer next) {
    return new TracesConnector() {
      @Override
      public CompletableFuture<Void> consume(Traces traces) {
        return next.consume(traces);
      }
    };
  }
}
