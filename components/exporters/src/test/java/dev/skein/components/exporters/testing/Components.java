package dev.skein.components.exporters.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.ExtensionFactory;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/** Builds components from YAML, as the configuration loader does. */
public final class Components {
  private Components() {}

  /** Lays {@code yaml} (the component's own settings) over the factory's defaults. */
  public static ComponentConfig config(ComponentFactory<?> factory, String yaml) throws ConfigException {
    ObjectNode node = ConfigSource.parse(yaml, name -> null);
    return ConfigBinder.bind(node, (ComponentConfig) factory.createDefaultConfig(), factory.type());
  }

  /** Binds and validates; fails with the validation messages. */
  public static ComponentConfig validConfig(ComponentFactory<?> factory, String yaml) throws ConfigException {
    ComponentConfig config = config(factory, yaml);
    List<String> errors = config.validate();
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return config;
  }

  /** The validation messages of {@code yaml}. */
  public static List<String> problems(ComponentFactory<?> factory, String yaml) throws ConfigException {
    return config(factory, yaml).validate();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static TracesExporter exporter(ExporterFactory<?> factory, String id, String yaml, Telemetry telemetry)
      throws ConfigException {
    return ((ExporterFactory) factory).createTracesExporter(
        new CreateSettings(ComponentId.parse(id), telemetry), validConfig(factory, yaml));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Component extension(ExtensionFactory<?> factory, String id, String yaml, Telemetry telemetry)
      throws ConfigException {
    return ((ExtensionFactory) factory).createExtension(
        new CreateSettings(ComponentId.parse(id), telemetry), validConfig(factory, yaml));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Component receiver(dev.skein.pipeline.ReceiverFactory<?> factory, String id, String yaml,
      dev.skein.pipeline.TracesConsumer next, Telemetry telemetry) throws ConfigException {
    return ((dev.skein.pipeline.ReceiverFactory) factory).createTracesReceiver(
        new CreateSettings(ComponentId.parse(id), telemetry), validConfig(factory, yaml), next);
  }

  /** A host with the given extensions. */
  public static Host host(Map<ComponentId, Component> extensions) {
    return () -> extensions;
  }

  public static Host host() {
    return host(Map.of());
  }

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code condition} holds or {@code limit} passed; returns whether it holds. */
  public static boolean eventually(java.util.function.BooleanSupplier condition, java.time.Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (deadline - System.nanoTime() < 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** The value of the counter or gauge {@code metric{exporter="id"}}, or 0 when there is none. */
  public static long metric(Telemetry telemetry, String metric, String id) {
    Telemetry.Key key = new Telemetry.Key(metric, "exporter", id);
    return telemetry.counters().getOrDefault(key, telemetry.gauges().getOrDefault(key, 0L));
  }
}
