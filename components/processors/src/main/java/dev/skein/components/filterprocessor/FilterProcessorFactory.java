package dev.skein.components.filterprocessor;

import static java.util.Objects.requireNonNull;

import dev.skein.components.ottl.Condition;
import dev.skein.components.ottl.Context;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the {@code filter} processor, which drops spans and span events that match OTTL
 * conditions, with the keys of the Collector's processor of that name and the OTTL subset
 * documented in OTTL.md.
 */
public final class FilterProcessorFactory implements ProcessorFactory<FilterProcessorConfig> {
  @Override
  public String type() {
    return "filter";
  }

  @Override
  public FilterProcessorConfig createDefaultConfig() {
    return new FilterProcessorConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, FilterProcessorConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    List<String> errors = new ArrayList<>();
    List<Condition> spans = FilterProcessorConfig.parse(config.traces.span, Context.SPAN, "traces::span", errors);
    List<Condition> events = FilterProcessorConfig.parse(config.traces.spanevent, Context.SPANEVENT,
        "traces::spanevent", errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0));
    }
    return new FilterProcessor(settings, ErrorMode.of(config.errorMode), spans, events, next);
  }
}
