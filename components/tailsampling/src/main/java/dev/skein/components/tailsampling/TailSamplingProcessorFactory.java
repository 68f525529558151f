package dev.skein.components.tailsampling;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import java.util.List;

/**
 * Creates the {@code tail_sampling} processor, configured as the Collector-contrib processor of
 * that name: {@code decision_wait} (30s), {@code num_traces} (50000),
 * {@code expected_new_traces_per_sec} (0), {@code decision_cache} ({@code sampled_cache_size},
 * {@code non_sampled_cache_size}, both 0), {@code sample_on_first_match} (false),
 * {@code drop_pending_traces_on_shutdown} (false) and {@code policies} (required).
 *
 * <p>The processor acknowledges a batch once its spans are buffered, not once they are decided:
 * spans waiting in tail sampling are not durable until their trace is decided and, if sampled,
 * accepted downstream. Shutdown decides every waiting trace at once and flushes it.
 */
public final class TailSamplingProcessorFactory implements ProcessorFactory<TailSamplingConfig> {
  @Override
  public String type() {
    return "tail_sampling";
  }

  @Override
  public TailSamplingConfig createDefaultConfig() {
    return new TailSamplingConfig();
  }

  /**
   * Creates a processor in front of {@code next}.
   *
   * @throws IllegalArgumentException if {@code config} does not validate
   */
  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, TailSamplingConfig config,
      TracesConsumer next) {
    requireNonNull(settings, "settings");
    requireNonNull(config, "config");
    requireNonNull(next, "next");
    List<String> errors = config.validate();
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("processors::" + settings.id() + ": " + String.join("; ", errors));
    }
    return new TailSamplingProcessor(settings, config, next, System::nanoTime);
  }
}
