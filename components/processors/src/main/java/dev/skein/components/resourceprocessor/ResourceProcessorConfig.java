package dev.skein.components.resourceprocessor;

import dev.skein.components.attraction.ActionConfig;
import dev.skein.components.attraction.AttributeActions;
import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/** The Collector's {@code resource} processor settings: {@code attributes}, a list of actions. */
final class ResourceProcessorConfig implements ComponentConfig {
  /** The actions applied, in order, to every resource's attributes. Required. */
  List<ActionConfig> attributes = new ArrayList<>();

  @Override
  public List<String> validate() {
    if (attributes.isEmpty()) {
      return List.of("attributes: missing (expected: at least one action, e.g. {key: deployment.environment,"
          + " value: prod, action: upsert})");
    }
    return AttributeActions.validate(attributes, "attributes");
  }
}
