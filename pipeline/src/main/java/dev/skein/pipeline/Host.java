package dev.skein.pipeline;

import java.util.Map;

/** What a component may look up while it starts: the running extensions. */
public interface Host {
  /** Every extension, by its ID, started before any other component. */
  Map<ComponentId, Component> extensions();

  /**
   * Returns the extension {@code id}, which must be of {@code type}.
   *
   * @throws IllegalStateException naming the ID when it is missing or of another type
   */
  default <T> T extension(ComponentId id, Class<T> type) {
    Component c = extensions().get(id);
    if (c == null) {
      throw new IllegalStateException("extension \"" + id + "\" is not configured in service::extensions");
    }
    if (!type.isInstance(c)) {
      throw new IllegalStateException("extension \"" + id + "\" is a " + c.getClass().getSimpleName()
          + " (expected: " + type.getSimpleName() + ")");
    }
    return type.cast(c);
  }
}
