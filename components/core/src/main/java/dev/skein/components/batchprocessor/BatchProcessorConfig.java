package dev.skein.components.batchprocessor;

import dev.skein.pipeline.ComponentConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The Collector's {@code batch} processor settings, with its defaults. */
final class BatchProcessorConfig implements ComponentConfig {
  /** How long a partial batch may wait before it is sent anyway. */
  Duration timeout = Duration.ofMillis(200);
  /** The number of spans that triggers sending a batch. */
  int sendBatchSize = 8192;
  /** The largest batch sent; larger ones are split. 0 means no limit. */
  int sendBatchMaxSize = 0;
  /** Accepted for compatibility; Skein batches all clients together. */
  List<String> metadataKeys = new ArrayList<>();
  int metadataCardinalityLimit = 1000;

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (timeout.isNegative() || timeout.isZero()) {
      errors.add("timeout: " + dev.skein.pipeline.config.GoDuration.format(timeout) + " (expected: > 0)");
    }
    if (sendBatchSize <= 0) {
      errors.add("send_batch_size: " + sendBatchSize + " (expected: > 0)");
    }
    if (sendBatchMaxSize < 0) {
      errors.add("send_batch_max_size: " + sendBatchMaxSize + " (expected: >= 0, where 0 means no limit)");
    } else if (sendBatchMaxSize > 0 && sendBatchMaxSize < sendBatchSize) {
      errors.add("send_batch_max_size: " + sendBatchMaxSize + " (expected: 0 or >= send_batch_size, "
          + sendBatchSize + ")");
    }
    return errors;
  }
}
