package dev.skein.pipeline.config;

import java.util.List;

/** A configuration that cannot run. {@link #errors()} lists every problem, each with its YAML path. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(errors.size() == 1 ? errors.get(0)
        : errors.size() + " configuration errors:\n  " + String.join("\n  ", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
