package dev.skein.components.debugexporter;

import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code debug} exporter settings: {@code verbosity} (basic, normal or detailed;
 * default basic), {@code sampling_initial} (2) and {@code sampling_thereafter} (1, no sampling),
 * and {@code use_internal_logger} (true: Skein's log; false: standard output).
 */
final class DebugExporterConfig implements ComponentConfig {
  String verbosity = "basic";
  int samplingInitial = 2;
  int samplingThereafter = 1;
  boolean useInternalLogger = true;

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (!List.of("basic", "normal", "detailed").contains(verbosity)) {
      errors.add("verbosity: \"" + verbosity + "\" (expected: basic, normal or detailed)");
    }
    if (samplingInitial < 0) {
      errors.add("sampling_initial: " + samplingInitial + " (expected: >= 0)");
    }
    if (samplingThereafter < 1) {
      errors.add("sampling_thereafter: " + samplingThereafter + " (expected: >= 1)");
    }
    return errors;
  }
}
