package dev.skein.pipeline.config;

import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** Every component factory, by kind and type. */
public final class ComponentRegistry {
  private final Map<ComponentKind, Map<String, ComponentFactory<?>>> factories =
      new EnumMap<>(ComponentKind.class);

  private ComponentRegistry() {
    for (ComponentKind k : ComponentKind.values()) {
      factories.put(k, new TreeMap<>());
    }
  }

  /** Returns a registry of every factory on the class path, found with {@link ServiceLoader}. */
  @SuppressWarnings("rawtypes")
  public static ComponentRegistry load() {
    ComponentRegistry r = new ComponentRegistry();
    for (ComponentFactory f : ServiceLoader.load(ComponentFactory.class)) {
      r.add(f);
    }
    return r;
  }

  /** Returns a registry of exactly {@code factories}. */
  public static ComponentRegistry of(ComponentFactory<?>... factories) {
    ComponentRegistry r = new ComponentRegistry();
    for (ComponentFactory<?> f : factories) {
      r.add(f);
    }
    return r;
  }

  private void add(ComponentFactory<?> f) {
    ComponentFactory<?> previous = factories.get(f.kind()).putIfAbsent(f.type(), f);
    if (previous != null) {
      throw new IllegalStateException("two " + f.kind().word() + " factories of type \"" + f.type()
          + "\": " + previous.getClass().getName() + " and " + f.getClass().getName());
    }
  }

  public Optional<ComponentFactory<?>> find(ComponentKind kind, String type) {
    return Optional.ofNullable(factories.get(kind).get(type));
  }

  /** The types known for {@code kind}, sorted. */
  public Set<String> types(ComponentKind kind) {
    return factories.get(kind).keySet();
  }
}
