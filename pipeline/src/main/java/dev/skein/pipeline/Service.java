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
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Service create(ResolvedConfig config, Telemetry telemetry) {
    requireNonNull(config, "config");
    requireNonNull(telemetry, "telemetry");
    Service s = new Service();
    for (ComponentId id : config.extensions()) {
      Bound b = config.component(ComponentKind.EXTENSION, id);
      s.extensions.put(id, ((ExtensionFactory) b.factory())
          .createExtension(new CreateSettings(id, telemetry), b.config()));
    }
    Map<ComponentId, TracesExporter> exporters = new LinkedHashMap<>();
    List<Named> processors = new ArrayList<>();
    Map<ComponentId, List<TracesConsumer>> receiverTargets = new LinkedHashMap<>();
    for (Pipeline p : config.pipelines()) {
      List<TracesConsumer> ends = new ArrayList<>();
      for (ComponentId id : p.exporters()) {
        ends.add(exporters.computeIfAbsent(id, k -> {
          Bound b = config.component(ComponentKind.EXPORTER, k);
          return ((ExporterFactory) b.factory()).createTracesExporter(new CreateSettings(k, telemetry), b.config());
        }));
      }
      TracesConsumer next = Fanout.of(ends);
      List<Named> chain = new ArrayList<>();
      for (int i = p.processors().size() - 1; i >= 0; i--) {
        ComponentId id = p.processors().get(i);
        Bound b = config.component(ComponentKind.PROCESSOR, id);
        TracesProcessor proc = ((ProcessorFactory) b.factory())
            .createTracesProcessor(new CreateSettings(id, telemetry), b.config(), next);
        chain.add(new Named("processor \"" + id + "\" in pipeline \"" + p.id() + "\"", proc));
        next = proc;
      }
      // Processors start last-first so that each starts after what it feeds.
      processors.addAll(chain);
      for (ComponentId id : p.receivers()) {
        receiverTargets.computeIfAbsent(id, k -> new ArrayList<>()).add(next);
      }
    }
    exporters.forEach((id, e) -> s.components.add(new Named("exporter \"" + id + "\"", e)));
    s.components.addAll(processors);
    receiverTargets.forEach((id, targets) -> {
      Bound b = config.component(ComponentKind.RECEIVER, id);
      Component r = ((ReceiverFactory) b.factory())
          .createTracesReceiver(new CreateSettings(id, telemetry), b.config(), Fanout.of(targets));
      s.components.add(new Named("receiver \"" + id + "\"", r));
    });
    return s;
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
