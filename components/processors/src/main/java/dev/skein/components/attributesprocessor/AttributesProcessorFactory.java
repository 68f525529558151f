package dev.skein.components.attributesprocessor;

import static java.util.Objects.requireNonNull;

import dev.skein.components.attraction.AttributeActions;
import dev.skein.model.Nullable;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the {@code attributes} processor, which applies attribute actions to the spans selected
 * by {@code include} and {@code exclude}, with the keys and semantics of the Collector's processor
 * of that name.
 */
public final class AttributesProcessorFactory implements ProcessorFactory<AttributesProcessorConfig> {
  @Override
  public String type() {
    return "attributes";
  }

  @Override
  public AttributesProcessorConfig createDefaultConfig() {
    return new AttributesProcessorConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, AttributesProcessorConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    List<String> errors = new ArrayList<>();
    SpanMatcher include = matcher(config.include, "include", errors);
    SpanMatcher exclude = matcher(config.exclude, "exclude", errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0));
    }
    return new AttributesProcessor(AttributeActions.compile(config.actions), include, exclude, next);
  }

  private static @Nullable SpanMatcher matcher(@Nullable AttributesProcessorConfig.MatchProperties p,
      String path, List<String> errors) {
    return p == null ? null : SpanMatcher.compile(p, path, errors);
  }
}
