package dev.skein.components.memorylimiter;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;

/**
 * Creates the {@code memory_limiter} processor, which refuses data while the JVM's memory in use is
 * above a soft limit, with the keys and defaults of the Collector's processor of that name.
 */
public final class MemoryLimiterFactory implements ProcessorFactory<MemoryLimiterConfig> {
  @Override
  public String type() {
    return "memory_limiter";
  }

  @Override
  public MemoryLimiterConfig createDefaultConfig() {
    return new MemoryLimiterConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, MemoryLimiterConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    return new MemoryLimiter(settings, config, next);
  }
}
