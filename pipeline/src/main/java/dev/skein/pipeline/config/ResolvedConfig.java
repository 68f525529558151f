package dev.skein.pipeline.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A configuration that has been checked completely: every component bound to its factory's
 * defaults and validated, every pipeline reference resolved. Building one reports every error at
 * once, each with its YAML path.
 */
public final class ResolvedConfig {
  private static final Set<String> SECTIONS =
      Set.of("receivers", "processors", "exporters", "connectors", "extensions", "service");

  /** A component's factory and its bound configuration. */
  public record Bound(ComponentId id, ComponentFactory<ComponentConfig> factory, ComponentConfig config) {}

  /** A pipeline with its components resolved, in order. */
  public record Pipeline(ComponentId id, List<ComponentId> receivers, List<ComponentId> processors,
      List<ComponentId> exporters) {}

  private final Map<ComponentKind, Map<ComponentId, Bound>> components;
  private final List<ComponentId> extensions;
  private final List<Pipeline> pipelines;
  private final JsonNode telemetry;

  private ResolvedConfig(Map<ComponentKind, Map<ComponentId, Bound>> components,
      List<ComponentId> extensions, List<Pipeline> pipelines, JsonNode telemetry) {
    this.components = components;
    this.extensions = extensions;
    this.pipelines = pipelines;
    this.telemetry = telemetry;
  }

  public Map<ComponentId, Bound> components(ComponentKind kind) {
    return components.get(kind);
  }

  public Bound component(ComponentKind kind, ComponentId id) {
    return requireNonNull(components.get(kind).get(id), id.toString());
  }

  /** The extensions named in {@code service::extensions}, in order. */
  public List<ComponentId> extensions() {
    return extensions;
  }

  public List<Pipeline> pipelines() {
    return pipelines;
  }

  /** The {@code service::telemetry} section as written, if any. */
  public Optional<JsonNode> telemetry() {
    return Optional.ofNullable(telemetry);
  }

  /** Binds, validates and cross-checks {@code root}, reporting every problem found. */
  public static ResolvedConfig resolve(ObjectNode root, ComponentRegistry registry) throws ConfigException {
    requireNonNull(root, "root");
    requireNonNull(registry, "registry");
    List<String> errors = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!SECTIONS.contains(key)) {
        errors.add(key + ": unknown section" + Suggest.hint(key, SECTIONS)
            + "; valid sections: connectors, exporters, extensions, processors, receivers, service");
      }
    }
    Map<ComponentKind, Map<ComponentId, Bound>> components = new EnumMap<>(ComponentKind.class);
    Map<ComponentKind, Set<ComponentId>> declared = new EnumMap<>(ComponentKind.class);
    for (ComponentKind kind : ComponentKind.values()) {
      declared.put(kind, new java.util.HashSet<>());
      components.put(kind, bindSection(kind, root.get(kind.section()), registry, declared.get(kind), errors));
    }
    ServiceConfig service = new ServiceConfig();
    try {
      service = ConfigBinder.bind(root.get("service"), service, "service");
    } catch (ConfigException e) {
      errors.addAll(e.errors());
    }
    List<ComponentId> extensions = new ArrayList<>();
    for (int i = 0; i < service.extensions.size(); i++) {
      ref(declared, ComponentKind.EXTENSION, service.extensions.get(i),
          "service::extensions[" + i + "]", errors).ifPresent(extensions::add);
    }
    List<Pipeline> pipelines = new ArrayList<>();
    if (service.pipelines.isEmpty() && errors.isEmpty()) {
      errors.add("service::pipelines: no pipeline is configured (expected: at least one, e.g. traces)");
    }
    service.pipelines.forEach((name, p) -> {
      String path = "service::pipelines::" + name;
      ComponentId id;
      try {
        id = ComponentId.parse(name);
      } catch (IllegalArgumentException e) {
        errors.add(path + ": " + e.getMessage());
        return;
      }
      if (!id.type().equals("traces")) {
        errors.add(path + ": \"" + id.type() + "\" pipelines are not supported (expected: traces)");
        return;
      }
      if (p == null) {
        errors.add(path + ": empty pipeline (expected: receivers and exporters)");
        return;
      }
      if (p.receivers.isEmpty()) {
        errors.add(path + "::receivers: empty (expected: at least one receiver)");
      }
      if (p.exporters.isEmpty()) {
        errors.add(path + "::exporters: empty (expected: at least one exporter)");
      }
      pipelines.add(new Pipeline(id,
          refs(declared, ComponentKind.RECEIVER, p.receivers, path, errors),
          refs(declared, ComponentKind.PROCESSOR, p.processors, path, errors),
          refs(declared, ComponentKind.EXPORTER, p.exporters, path, errors)));
    });
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new ResolvedConfig(components, List.copyOf(extensions), List.copyOf(pipelines), service.telemetry);
  }

  @SuppressWarnings("unchecked")
  private static Map<ComponentId, Bound> bindSection(ComponentKind kind, JsonNode section,
      ComponentRegistry registry, Set<ComponentId> declared, List<String> errors) {
    Map<ComponentId, Bound> out = new LinkedHashMap<>();
    if (section == null || section.isNull()) {
      return out;
    }
    if (!section.isObject()) {
      errors.add(kind.section() + ": " + section + " (expected: a map of " + kind.word() + " IDs to settings)");
      return out;
    }
    section.fields().forEachRemaining(e -> {
      String path = kind.section() + "::" + e.getKey();
      ComponentId id;
      try {
        id = ComponentId.parse(e.getKey());
      } catch (IllegalArgumentException ex) {
        errors.add(path + ": " + ex.getMessage());
        return;
      }
      declared.add(id);
      Optional<ComponentFactory<?>> factory = registry.find(kind, id.type());
      if (factory.isEmpty()) {
        errors.add(path + ": unknown " + kind.word() + " type \"" + id.type() + "\""
            + Suggest.hint(id.type(), registry.types(kind))
            + "; known types: " + String.join(", ", registry.types(kind)));
        return;
      }
      ComponentFactory<ComponentConfig> f = (ComponentFactory<ComponentConfig>) factory.get();
      try {
        ComponentConfig config = ConfigBinder.bind(e.getValue(), f.createDefaultConfig(), path);
        for (String problem : config.validate()) {
          errors.add(path + "::" + problem);
        }
        out.put(id, new Bound(id, f, config));
      } catch (ConfigException ex) {
        errors.addAll(ex.errors());
      }
    });
    return out;
  }

  private static List<ComponentId> refs(Map<ComponentKind, Set<ComponentId>> declared,
      ComponentKind kind, List<String> names, String path, List<String> errors) {
    List<ComponentId> out = new ArrayList<>();
    for (String name : names) {
      ref(declared, kind, name, path, errors).ifPresent(id -> {
        if (out.contains(id)) {
          errors.add(path + "::" + kind.section() + ": \"" + name + "\" is listed twice");
        } else {
          out.add(id);
        }
      });
    }
    return out;
  }

  private static Optional<ComponentId> ref(Map<ComponentKind, Set<ComponentId>> declared,
      ComponentKind kind, String name, String path, List<String> errors) {
    ComponentId id;
    try {
      id = ComponentId.parse(name);
    } catch (IllegalArgumentException e) {
      errors.add(path + ": " + kind.word() + " " + e.getMessage());
      return Optional.empty();
    }
    if (!declared.get(kind).contains(id)) {
      List<String> known = declared.get(kind).stream().map(ComponentId::toString).sorted().toList();
      errors.add(path + ": references " + kind.word() + " \"" + name + "\" which is not configured"
          + Suggest.hint(name, known));
      return Optional.empty();
    }
    return Optional.of(id);
  }
}
