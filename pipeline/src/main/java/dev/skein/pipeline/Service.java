package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.config.ResolvedConfig;
import dev.skein.pipeline.config.ResolvedConfig.Bound;
import dev.skein.pipeline.config.ResolvedConfig.Pipeline;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running graph of a configuration: receivers → processors → fanout → exporters, per pipeline.
 * Exporters and receivers are created once and shared by every pipeline that names them; each
 * pipeline gets its own processor instances, as in the Collector.
 *
 * <p>{@link #start()} starts extensions, then exporters, then processors, then receivers, so that
 * nothing receives data before its consumers run. {@link #shutdown()} stops them in the reverse
 * order, so receivers stop accepting first and processors drain into live exporters. Both are
 * idempotent.
 */
public final class Service implements Host {
  private static final Logger log = LoggerFactory.getLogger(Service.class);

  private final Map<ComponentId, Component> extensions = new LinkedHashMap<>();
  /** Every non-extension component, in start order. */
  private final List<Named> components = new ArrayList<>();
  private final Object lock = new Object();
  private final List<Named> started = new ArrayList<>();
  private boolean shutDown;

  private record Named(String label, Component component) {}

  private Service() {}

  /** Creates every component of {@code config}; nothing starts yet. */
  public static Service create(ResolvedConfig config, Telemetry telemetry) {
    requireNonNull(config, "config");
    requireNonNull(telemetry, "telemetry");
    Service s = new Service();
    new Builder(config, telemetry, s).build();
    return s;
  }

  /**
   * Builds pipelines downstream first, so that a connector's target pipelines exist before the
   * pipeline it ends. The component list comes out in start order: exporters, then each
   * pipeline's processors and connectors from downstream to upstream, then receivers.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final class Builder {
    private final ResolvedConfig config;
    private final Telemetry telemetry;
    private final Service service;
    private final Map<String, Component> exporters = new LinkedHashMap<>();
    private final List<Named> middle = new ArrayList<>();
    private final Map<ComponentId, DataConsumer<?>> heads = new LinkedHashMap<>();
    private final Map<String, Component> connectors = new LinkedHashMap<>();
    private final Map<String, List<DataConsumer<?>>> receiverTargets = new LinkedHashMap<>();

    Builder(ResolvedConfig config, Telemetry telemetry, Service service) {
      this.config = config;
      this.telemetry = telemetry;
      this.service = service;
    }

    void build() {
      for (ComponentId id : config.extensions()) {
        Bound b = config.component(ComponentKind.EXTENSION, id);
        service.extensions.put(id, ((ExtensionFactory) b.factory()).createExtension(settings(id), b.config()));
      }
      java.util.Set<ComponentId> connectorIds = config.components(ComponentKind.CONNECTOR).keySet();
      for (Pipeline p : ResolvedConfig.buildOrder(config.pipelines(), connectorIds)) {
        List<DataConsumer> ends = new ArrayList<>();
        for (ComponentId id : p.exporters()) {
          ends.add(config.isConnector(id) ? connector(id, p) : (DataConsumer) exporter(id, p.signal()));
        }
        DataConsumer next = Fanout.of((List) ends);
        List<Named> chain = new ArrayList<>();
        for (int i = p.processors().size() - 1; i >= 0; i--) {
          ComponentId id = p.processors().get(i);
          Bound b = config.component(ComponentKind.PROCESSOR, id);
          ProcessorFactory f = (ProcessorFactory) b.factory();
          Component proc = p.signal() == Signal.TRACES
              ? f.createTracesProcessor(settings(id), b.config(), traces(next))
              : f.createMetricsProcessor(settings(id), b.config(), metrics(next));
          chain.add(new Named("processor \"" + id + "\" in pipeline \"" + p.id() + "\"", proc));
          next = (DataConsumer) proc;
        }
        middle.addAll(chain);
        heads.put(p.id(), next);
        for (ComponentId id : p.receivers()) {
          if (!config.isConnector(id)) {
            receiverTargets.computeIfAbsent(id + "|" + p.signal().name(), k -> new ArrayList<>()).add(next);
          }
        }
      }
      exporters.forEach((key, e) -> service.components.add(new Named("exporter \"" + key.split("\\|")[0] + "\"", e)));
      service.components.addAll(middle);
      receiverTargets.forEach((key, targets) -> {
        String[] parts = key.split("\\|");
        ComponentId id = ComponentId.parse(parts[0]);
        Signal signal = Signal.valueOf(parts[1]);
        Bound b = config.component(ComponentKind.RECEIVER, id);
        ReceiverFactory f = (ReceiverFactory) b.factory();
        DataConsumer target = Fanout.of((List) targets);
        Component r = signal == Signal.TRACES
            ? f.createTracesReceiver(settings(id), b.config(), traces(target))
            : f.createMetricsReceiver(settings(id), b.config(), metrics(target));
        service.components.add(new Named("receiver \"" + id + "\"", r));
      });
    }

    private Component exporter(ComponentId id, Signal signal) {
      return exporters.computeIfAbsent(id + "|" + signal.name(), k -> {
        Bound b = config.component(ComponentKind.EXPORTER, id);
        ExporterFactory f = (ExporterFactory) b.factory();
        return signal == Signal.TRACES
            ? f.createTracesExporter(settings(id), b.config())
            : f.createMetricsExporter(settings(id), b.config());
      });
    }

    /**
     * One connector instance per (connector, signal in, signal out), feeding every target pipeline
     * of that signal; the pipeline it ends sees one consumer over all of them.
     */
    private DataConsumer connector(ComponentId id, Pipeline from) {
      Map<Signal, List<DataConsumer>> bySignal = new java.util.EnumMap<>(Signal.class);
      for (Pipeline q : config.pipelines()) {
        if (q.receivers().contains(id)) {
          bySignal.computeIfAbsent(q.signal(), k -> new ArrayList<>()).add((DataConsumer) heads.get(q.id()));
        }
      }
      List<DataConsumer> instances = new ArrayList<>();
      bySignal.forEach((out, targets) -> instances.add((DataConsumer) connectors.computeIfAbsent(
          id + "|" + from.signal() + "|" + out, k -> {
            Bound b = config.component(ComponentKind.CONNECTOR, id);
            ConnectorFactory f = (ConnectorFactory) b.factory();
            DataConsumer target = Fanout.of((List) targets);
            Component c = out == Signal.TRACES
                ? f.createTracesToTraces(settings(id), b.config(), traces(target))
                : f.createTracesToMetrics(settings(id), b.config(), metrics(target));
            middle.add(new Named("connector \"" + id + "\"", c));
            return c;
          })));
      return Fanout.of((List) instances);
    }

    private CreateSettings settings(ComponentId id) {
      return new CreateSettings(id, telemetry);
    }

    private static TracesConsumer traces(DataConsumer c) {
      return c instanceof TracesConsumer ? (TracesConsumer) c : c::consume;
    }

    private static MetricsConsumer metrics(DataConsumer c) {
      return c instanceof MetricsConsumer ? (MetricsConsumer) c : c::consume;
    }
  }

  @Override
  public Map<ComponentId, Component> extensions() {
    return Collections.unmodifiableMap(extensions);
  }

  /**
   * Starts every component in dependency order. When one fails to start, those already started
   * are shut down and the failure is thrown, naming the component.
   */
  public void start() throws Exception {
    synchronized (lock) {
      if (!started.isEmpty() || shutDown) {
        return;
      }
      List<Named> all = new ArrayList<>();
      extensions.forEach((id, e) -> all.add(new Named("extension \"" + id + "\"", e)));
      all.addAll(components);
      for (Named n : all) {
        try {
          n.component().start(this);
        } catch (Exception e) {
          shutdownLocked();
          throw new IllegalStateException(n.label() + " failed to start: " + e.getMessage(), e);
        }
        started.add(n);
      }
      for (Component e : extensions.values()) {
        if (e instanceof PipelineWatcher) {
          ((PipelineWatcher) e).ready();
        }
      }
    }
  }

  /** Stops every started component in reverse order; each one flushes first. */
  public void shutdown() {
    synchronized (lock) {
      shutdownLocked();
    }
  }

  private void shutdownLocked() {
    shutDown = true;
    for (Named n : started) {
      if (n.component() instanceof PipelineWatcher) {
        ((PipelineWatcher) n.component()).notReady();
      }
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      Named n = started.get(i);
      try {
        n.component().shutdown();
      } catch (RuntimeException e) {
        log.warn("{} failed to shut down cleanly", n.label(), e);
      }
    }
    started.clear();
  }
}
