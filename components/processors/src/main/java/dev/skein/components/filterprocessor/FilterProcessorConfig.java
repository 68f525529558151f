package dev.skein.components.filterprocessor;

import dev.skein.components.ottl.Condition;
import dev.skein.components.ottl.Context;
import dev.skein.components.ottl.OttlParseException;
import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code filter} processor settings for traces: {@code error_mode} and the OTTL
 * conditions under {@code traces::span} and {@code traces::spanevent}.
 */
final class FilterProcessorConfig implements ComponentConfig {
  static final List<String> ERROR_MODES = List.of("propagate", "ignore", "silent");

  /** What a condition that cannot be evaluated does: propagate, ignore or silent. */
  String errorMode = "propagate";
  Traces traces = new Traces();

  static final class Traces {
    /** A span matching any of these is dropped. */
    List<String> span = new ArrayList<>();
    /** A span event matching any of these is dropped; the span stays. */
    List<String> spanevent = new ArrayList<>();
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (!ERROR_MODES.contains(errorMode)) {
      errors.add("error_mode: \"" + errorMode + "\" (expected: propagate, ignore or silent)");
    }
    if (traces.span.isEmpty() && traces.spanevent.isEmpty()) {
      errors.add("traces: no conditions (expected: at least one under traces::span or traces::spanevent,"
          + " e.g. span: ['attributes[\"http.route\"] == \"/health\"'])");
    }
    parse(traces.span, Context.SPAN, "traces::span", errors);
    parse(traces.spanevent, Context.SPANEVENT, "traces::spanevent", errors);
    return errors;
  }

  /** Parses {@code sources}, adding each problem to {@code errors} under {@code key}. */
  static List<Condition> parse(List<String> sources, Context context, String key, List<String> errors) {
    List<Condition> out = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      String at = key + "[" + i + "]";
      if (sources.get(i) == null) {
        errors.add(at + ": empty (expected: a condition)");
        continue;
      }
      try {
        out.add(Condition.parse(sources.get(i), context));
      } catch (OttlParseException e) {
        errors.add(at + ": " + e.getMessage());
      }
    }
    return out;
  }
}
