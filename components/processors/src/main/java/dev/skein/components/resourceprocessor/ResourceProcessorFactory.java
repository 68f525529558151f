package dev.skein.components.resourceprocessor;

import static java.util.Objects.requireNonNull;

import dev.skein.components.attraction.AttributeActions;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;

/**
 * Creates the {@code resource} processor, which applies attribute actions to the resource of every
 * batch, with the keys and semantics of the Collector's processor of that name.
 */
public final class ResourceProcessorFactory implements ProcessorFactory<ResourceProcessorConfig> {
  @Override
  public String type() {
    return "resource";
  }

  @Override
  public ResourceProcessorConfig createDefaultConfig() {
    return new ResourceProcessorConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, ResourceProcessorConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    return new ResourceProcessor(AttributeActions.compile(config.attributes), next);
  }
}
