package dev.skein.components.probabilisticsampler;

import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code probabilistic_sampler} settings. Only the {@code hash_seed} mode is
 * implemented; the logs-only keys are accepted so that shared configurations load.
 */
final class ProbabilisticSamplerConfig implements ComponentConfig {
  /** The smallest probability OTel's 56-bit thresholds can express. */
  static final double MIN_PROBABILITY = 0x1p-56;

  /** The percentage of traces kept; 100 or more keeps everything. Required. */
  @Nullable Float samplingPercentage;
  /** Mixed into the trace ID hash; collectors of one tier must share it. An unsigned 32-bit integer. */
  long hashSeed;
  /** hash_seed (the default when empty); proportional and equalizing are not implemented. */
  String mode = "";
  /** Whether spans whose sampling information is missing or inconsistent are dropped. */
  boolean failClosed = true;
  /** Hexadecimal digits of the threshold written to tracestate, 1 to 14. */
  int samplingPrecision = 4;
  /** Logs only: accepted and unused. */
  String attributeSource = "traceID";
  /** Logs only: accepted and unused. */
  String fromAttribute = "";
  /** Logs only: accepted and unused. */
  String samplingPriority = "";

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (samplingPercentage == null) {
      errors.add("sampling_percentage: missing (expected: the percentage of traces to keep, from 0 to 100)");
    } else {
      float pct = samplingPercentage;
      if (Float.isNaN(pct) || Float.isInfinite(pct)) {
        errors.add("sampling_percentage: " + pct + " (expected: a number from 0 to 100)");
      } else if (pct < 0) {
        errors.add("sampling_percentage: " + pct + " (expected: >= 0)");
      } else if (pct > 0 && pct / 100.0 < MIN_PROBABILITY) {
        errors.add("sampling_percentage: " + pct + " (expected: 0 or at least " + MIN_PROBABILITY * 100 + ")");
      }
    }
    if (hashSeed < 0 || hashSeed > 0xffffffffL) {
      errors.add("hash_seed: " + hashSeed + " (expected: an integer from 0 to 4294967295)");
    }
    switch (mode) {
      case "":
      case "hash_seed":
        break;
      case "proportional":
      case "equalizing":
        errors.add("mode: \"" + mode + "\" is not supported (expected: hash_seed; Skein implements only"
            + " the hash_seed mode)");
        break;
      default:
        errors.add("mode: \"" + mode + "\" (expected: hash_seed, proportional or equalizing)");
    }
    if (samplingPrecision < 1 || samplingPrecision > 14) {
      errors.add("sampling_precision: " + samplingPrecision + " (expected: 1 to 14)");
    }
    if (!attributeSource.equals("traceID") && !attributeSource.equals("record")) {
      errors.add("attribute_source: \"" + attributeSource + "\" (expected: traceID or record)");
    }
    return errors;
  }
}
