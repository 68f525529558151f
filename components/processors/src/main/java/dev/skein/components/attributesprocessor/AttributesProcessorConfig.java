package dev.skein.components.attributesprocessor;

import dev.skein.components.attraction.ActionConfig;
import dev.skein.components.attraction.AttributeActions;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code attributes} processor settings for spans: {@code actions}, and the
 * optional {@code include} and {@code exclude} selections of the spans they apply to.
 */
final class AttributesProcessorConfig implements ComponentConfig {
  /** The actions applied, in order, to the attributes of every selected span. Required. */
  List<ActionConfig> actions = new ArrayList<>();
  /** When set, only spans matching it are changed. */
  @Nullable MatchProperties include;
  /** When set, spans matching it are left alone; checked after {@code include}. */
  @Nullable MatchProperties exclude;

  /** What a span must match; every property that is set must match. */
  static final class MatchProperties {
    /** How the strings below are compared: {@code strict} (equal) or {@code regexp} (a match anywhere). */
    String matchType = "";
    /** Accepted for compatibility; Skein does not need a match cache. */
    RegexpOptions regexp = new RegexpOptions();
    /** The resource's {@code service.name} must match one of these. */
    List<String> services = new ArrayList<>();
    /** The span name must match one of these. */
    List<String> spanNames = new ArrayList<>();
    /** The span kind, written SPAN_KIND_SERVER and so on, must match one of these. */
    List<String> spanKinds = new ArrayList<>();
    /** Every one of these span attributes must be present, with the value when one is given. */
    List<AttributeMatch> attributes = new ArrayList<>();
    /** Every one of these resource attributes must be present, with the value when one is given. */
    List<AttributeMatch> resources = new ArrayList<>();
    /** The instrumentation scope must match every one of these. */
    List<LibraryMatch> libraries = new ArrayList<>();
  }

  static final class RegexpOptions {
    boolean cacheenabled;
    int cachemaxnumentries;
  }

  static final class AttributeMatch {
    String key = "";
    @Nullable Object value;
  }

  static final class LibraryMatch {
    String name = "";
    /** When absent any version matches; when "" only an empty version does. */
    @Nullable String version;
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (actions.isEmpty()) {
      errors.add("actions: missing (expected: at least one action, e.g. {key: env, value: prod, action: upsert})");
    }
    errors.addAll(AttributeActions.validate(actions, "actions"));
    if (include != null) {
      SpanMatcher.compile(include, "include", errors);
    }
    if (exclude != null) {
      SpanMatcher.compile(exclude, "exclude", errors);
    }
    return errors;
  }
}
