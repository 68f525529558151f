package dev.skein.components.batchprocessor;

import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;

/** Creates the {@code batch} processor. */
public final class BatchProcessorFactory implements ProcessorFactory<BatchProcessorConfig> {
  @Override
  public String type() {
    return "batch";
  }

  @Override
  public BatchProcessorConfig createDefaultConfig() {
    return new BatchProcessorConfig();
  }

  @Override
  public TracesProcessor createTracesProcessor(CreateSettings settings, BatchProcessorConfig config,
      TracesConsumer next) {
    return new BatchProcessor(config, next);
  }
}
