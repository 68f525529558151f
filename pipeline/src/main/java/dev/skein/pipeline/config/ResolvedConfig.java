package dev.skein.pipeline.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.ConnectorFactory;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.ProcessorFactory;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.Signal;
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

  /**
   * A pipeline with its components resolved, in order. Receivers and exporters may name
   * connectors; {@link ResolvedConfig#isConnector} tells them apart.
   */
  public record Pipeline(ComponentId id, Signal signal, List<ComponentId> receivers,
      List<ComponentId> processors, List<ComponentId> exporters) {}

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

  /** Whether {@code id}, named as a pipeline's receiver or exporter, is a connector. */
  public boolean isConnector(ComponentId id) {
    return components.get(ComponentKind.CONNECTOR).containsKey(id);
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
    if (service.pipelines.isEmpty() && extensions.isEmpty() && errors.isEmpty()) {
      errors.add("service::pipelines: no pipeline is configured (expected: at least one pipeline,"
          + " or extensions only, as a query node has)");
    }
    for (ComponentId c : declared.get(ComponentKind.CONNECTOR)) {
      for (ComponentKind k : List.of(ComponentKind.RECEIVER, ComponentKind.EXPORTER)) {
        if (declared.get(k).contains(c)) {
          errors.add("connectors::" + c + ": the ID is also used by a " + k.word()
              + " (expected: connector IDs distinct from receiver and exporter IDs)");
        }
      }
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
      Optional<Signal> signal = Signal.of(id.type());
      if (signal.isEmpty()) {
        errors.add(path + ": \"" + id.type() + "\" pipelines are not supported (expected: traces or metrics)");
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
      Pipeline resolved = new Pipeline(id, signal.get(),
          refs(declared, ComponentKind.RECEIVER, p.receivers, path, errors),
          refs(declared, ComponentKind.PROCESSOR, p.processors, path, errors),
          refs(declared, ComponentKind.EXPORTER, p.exporters, path, errors));
      checkSignals(resolved, components, path, errors);
      pipelines.add(resolved);
    });
    checkConnectors(pipelines, components.get(ComponentKind.CONNECTOR), errors);
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
      ComponentKind kind, @Nullable String name, String path, List<String> errors) {
    if (name == null) {
      // A list entry written as ~, null or nothing at all.
      errors.add(path + ": an empty " + kind.word() + " ID (expected: the ID of a configured " + kind.word() + ")");
      return Optional.empty();
    }
    ComponentId id;
    try {
      id = ComponentId.parse(name);
    } catch (IllegalArgumentException e) {
      errors.add(path + ": " + kind.word() + " " + e.getMessage());
      return Optional.empty();
    }
    boolean connector = (kind == ComponentKind.RECEIVER || kind == ComponentKind.EXPORTER)
        && declared.get(ComponentKind.CONNECTOR).contains(id);
    if (!declared.get(kind).contains(id) && !connector) {
      List<String> known = declared.get(kind).stream().map(ComponentId::toString).sorted().toList();
      errors.add(path + ": references " + kind.word() + " \"" + name + "\" which is not configured"
          + Suggest.hint(name, known));
      return Optional.empty();
    }
    return Optional.of(id);
  }

  @SuppressWarnings("rawtypes")
  private static void checkSignals(Pipeline p, Map<ComponentKind, Map<ComponentId, Bound>> components,
      String path, List<String> errors) {
    for (ComponentId r : p.receivers()) {
      Bound b = components.get(ComponentKind.RECEIVER).get(r);
      if (b != null && !((ReceiverFactory) b.factory()).supports(p.signal())) {
        errors.add(path + ": receiver \"" + r + "\" does not support " + p.signal().id());
      }
    }
    for (ComponentId r : p.processors()) {
      Bound b = components.get(ComponentKind.PROCESSOR).get(r);
      if (b != null && !((ProcessorFactory) b.factory()).supports(p.signal())) {
        errors.add(path + ": processor \"" + r + "\" does not support " + p.signal().id());
      }
    }
    for (ComponentId r : p.exporters()) {
      Bound b = components.get(ComponentKind.EXPORTER).get(r);
      if (b != null && !((ExporterFactory) b.factory()).supports(p.signal())) {
        errors.add(path + ": exporter \"" + r + "\" does not support " + p.signal().id());
      }
    }
  }

  /**
   * Every connector must end at least one pipeline and start at least one, support each pair of
   * signals it joins, and not close a cycle.
   */
  @SuppressWarnings("rawtypes")
  private static void checkConnectors(List<Pipeline> pipelines, Map<ComponentId, Bound> connectors,
      List<String> errors) {
    connectors.forEach((id, b) -> {
      List<Pipeline> from = pipelines.stream().filter(p -> p.exporters().contains(id)).toList();
      List<Pipeline> to = pipelines.stream().filter(p -> p.receivers().contains(id)).toList();
      if (from.isEmpty() && to.isEmpty()) {
        return;
      }
      if (from.isEmpty() || to.isEmpty()) {
        errors.add("connectors::" + id + ": used as " + (from.isEmpty() ? "a receiver" : "an exporter")
            + " only (expected: an exporter in one pipeline and a receiver in another)");
        return;
      }
      for (Pipeline f : from) {
        for (Pipeline t : to) {
          if (!((ConnectorFactory) b.factory()).supports(f.signal(), t.signal())) {
            errors.add("connectors::" + id + ": cannot connect " + f.signal().id() + " (pipeline \"" + f.id()
                + "\") to " + t.signal().id() + " (pipeline \"" + t.id() + "\")");
          }
        }
      }
    });
    try {
      buildOrder(pipelines, connectors.keySet());
    } catch (IllegalArgumentException e) {
      errors.add("service::pipelines: " + e.getMessage());
    }
  }

  /**
   * Orders pipelines so that every pipeline comes after the pipelines its connectors feed: the
   * order in which to build them, downstream first.
   *
   * @throws IllegalArgumentException naming the pipelines of a cycle
   */
  public static List<Pipeline> buildOrder(List<Pipeline> pipelines, java.util.Set<ComponentId> connectors) {
    List<Pipeline> out = new ArrayList<>();
    java.util.Set<ComponentId> done = new java.util.HashSet<>();
    java.util.Set<ComponentId> visiting = new java.util.LinkedHashSet<>();
    for (Pipeline p : pipelines) {
      visit(p, pipelines, connectors, done, visiting, out);
    }
    return out;
  }

  private static void visit(Pipeline p, List<Pipeline> all, java.util.Set<ComponentId> connectors,
      java.util.Set<ComponentId> done, java.util.Set<ComponentId> visiting, List<Pipeline> out) {
    if (done.contains(p.id())) {
      return;
    }
    if (!visiting.add(p.id())) {
      throw new IllegalArgumentException("connectors form a cycle through pipelines " + visiting
          + " (expected: data to flow one way)");
    }
    for (ComponentId e : p.exporters()) {
      if (connectors.contains(e)) {
        for (Pipeline q : all) {
          if (q.receivers().contains(e)) {
            visit(q, all, connectors, done, visiting, out);
          }
        }
      }
    }
    visiting.remove(p.id());
    done.add(p.id());
    out.add(p);
  }
}
