package dev.skein.components.storage;

import dev.skein.components.storage.StorageExtensionConfig.BackendConfig;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Host;
import dev.skein.storage.TraceStore;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import dev.skein.storage.memory.MemoryTraceStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the configured storage backends when it starts and closes them when it stops. As an
 * extension it starts before, and stops after, every exporter and query server that uses it.
 */
public final class StorageExtension implements Component {
  private static final Logger log = LoggerFactory.getLogger(StorageExtension.class);

  private final ComponentId id;
  private final StorageExtensionConfig config;
  private final Map<String, TraceStore> stores = new LinkedHashMap<>();

  StorageExtension(ComponentId id, StorageExtensionConfig config) {
    this.id = id;
    this.config = config;
  }

  @Override
  public synchronized void start(Host host) {
    if (!stores.isEmpty()) {
      return;
    }
    config.backends.forEach((name, b) -> stores.put(name, open(name, b)));
  }

  private static TraceStore open(String name, BackendConfig b) {
    if (b.embedded != null) {
      Path path = Path.of(b.embedded.path).toAbsolutePath().normalize();
      log.info("storage backend \"{}\": embedded at {} (retention {})", name, path,
          dev.skein.pipeline.config.GoDuration.format(b.embedded.retention));
      return EmbeddedTraceStore.builder().path(path).retention(b.embedded.retention).build();
    }
    if (b.cassandra != null) {
      StorageExtensionConfig.CassandraConfig c = b.cassandra;
      log.info("storage backend \"{}\": cassandra at {} (keyspace {}, replication factor {}, {})", name,
          c.contactPoints, c.keyspace, c.replicationFactor, c.consistency);
      dev.skein.storage.cassandra.CassandraTraceStore.Builder cb = dev.skein.storage.cassandra.CassandraTraceStore.builder();
      c.contactPoints.forEach(cb::contactPoint);
      cb.localDatacenter(c.localDatacenter).keyspace(c.keyspace).replicationFactor(c.replicationFactor)
          .consistency(c.consistency).retention(c.retention).createSchema(c.createSchema)
          .requestTimeout(c.requestTimeout).maxTracesPerSearch(c.maxTracesPerSearch);
      if (!c.username.isEmpty()) {
        cb.credentials(c.username, c.password);
      }
      return cb.build();
    }
    log.info("storage backend \"{}\": memory (max {} traces)", name, b.memory.maxTraces);
    return MemoryTraceStore.create(b.memory.maxTraces);
  }

  /** Returns the open backend {@code name}, if this extension has it. */
  public synchronized Optional<TraceStore> backend(String name) {
    return Optional.ofNullable(stores.get(name));
  }

  /**
   * Finds backend {@code name} among the running storage extensions of {@code host}.
   *
   * @throws IllegalStateException naming what is missing
   */
  public static TraceStore find(Host host, String name) {
    boolean anyExtension = false;
    for (Component c : host.extensions().values()) {
      if (c instanceof StorageExtension) {
        anyExtension = true;
        Optional<TraceStore> s = ((StorageExtension) c).backend(name);
        if (s.isPresent()) {
          return s.get();
        }
      }
    }
    throw new IllegalStateException(anyExtension
        ? "backend \"" + name + "\" is not configured in the storage extension's backends"
        : "backend \"" + name + "\" needs the storage extension, which is not in service::extensions");
  }

  @Override
  public synchronized void shutdown() {
    stores.forEach((name, s) -> {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.warn("storage backend \"{}\" of {} failed to close", name, id, e);
      }
    });
    stores.clear();
  }
}
