package dev.skein.components.probabilisticsampler;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;

/**
 * Creates the {@code probabilistic_sampler} processor in the Collector's {@code hash_seed} mode:
 * Skein and a Collector configured with the same percentage and seed keep the same traces.
 */
public final class ProbabilisticSamplerFactory implements ProcessorFactory<ProbabilisticSamplerConfig> {
  @Override
  public String type() {
    return "probabilistic_sampler";
  }

  @Override
  public ProbabilisticSamplerConfig createDefaultConfig() {
    return new ProbabilisticSamplerConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, ProbabilisticSamplerConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    if (config.samplingPercentage == null) {
      throw new IllegalArgumentException("sampling_percentage: missing");
    }
    return new ProbabilisticSampler(settings, config.samplingPercentage, (int) config.hashSeed,
        config.failClosed, next);
  }
}
