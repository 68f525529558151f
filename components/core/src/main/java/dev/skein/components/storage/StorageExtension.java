package dev.skein.components.storage;

import dev.skein.components.storage.StorageExtensionConfig.BackendConfig;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.model.Nullable;
import dev.skein.model.Tenants;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.embedded.EmbeddedTraceStore;
import dev.skein.storage.memory.MemoryTraceStore;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the configured storage backends when it starts and closes them when it stops. As an
 * extension it starts before, and stops after, every exporter and query server that uses it.
 *
 * <p>A tenant's durable store (embedded or Cassandra) that nothing has written or read for
 * {@code tenant_idle_timeout} is closed, and opened again on its next use, so that the memory
 * each open store takes (an embedded store's DuckDB cache, a Cassandra session) is held only by
 * the tenants in use. A memory backend's tenant stores stay open: closing one would lose its
 * spans.
 *
 * <p>For each embedded backend it reports in Skein's telemetry, labelled with the backend's name,
 * {@value #DISK_USED} (the bytes of every file in the backend's directory, its tenants' stores
 * included) and {@value #DISK_FREE} (the bytes the file system holding that directory has left for
 * Skein's user); for every backend, {@value #OPEN_TENANTS}.
 */
public final class StorageExtension implements Component {
  static final String DISK_USED = "skein_storage_disk_used_bytes";
  static final String DISK_FREE = "skein_storage_disk_free_bytes";
  static final String OPEN_TENANTS = "skein_storage_open_tenant_stores";
  private static final Logger log = LoggerFactory.getLogger(StorageExtension.class);

  private final ComponentId id;
  private final StorageExtensionConfig config;
  private final Telemetry telemetry;
  private final Map<String, TraceStore> stores = new LinkedHashMap<>();
  /** The stores of tenants, by backend then tenant, opened on first use. */
  private final Map<String, Map<String, TenantStore>> tenantStores = new LinkedHashMap<>();
  /** Tenant stores being closed for being idle, by backend and tenant; opening one waits. */
  private final Map<String, CompletableFuture<Void>> closing = new HashMap<>();
  private @Nullable ScheduledExecutorService idleCheck;
  /** What a tenant with no store reads: nothing. */
  private final TraceStore empty = MemoryTraceStore.create(1);
  /** One per backend, for the life of this extension, so trace counts outlive a restart of the pipeline's exporters. */
  private final Map<String, SpanLimiter> limiters = new LinkedHashMap<>();

  StorageExtension(ComponentId id, StorageExtensionConfig config, Telemetry telemetry) {
    this.id = id;
    this.config = config;
    this.telemetry = telemetry;
    config.backends.forEach((name, b) -> limiters.put(name, new SpanLimiter(name, b.limits)));
  }

  @Override
  public synchronized void start(Host host) {
    if (!stores.isEmpty()) {
      return;
    }
    config.backends.forEach((name, b) -> stores.put(name, open(name, b)));
    config.backends.forEach((name, b) -> {
      telemetry.gauge(OPEN_TENANTS, "backend", name, () -> openTenants(name));
      if (b.embedded != null) {
        Path path = Path.of(b.embedded.path).toAbsolutePath().normalize();
        telemetry.gauge(DISK_USED, "backend", name, () -> bytesUnder(path));
        telemetry.gauge(DISK_FREE, "backend", name, () -> usableBytes(path));
      }
    });
    Duration timeout = config.tenantIdleTimeout;
    if (!timeout.isZero()) {
      long every = Math.max(100, Math.min(60_000, timeout.toMillis() / 4));
      idleCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "skein-storage-idle-tenants");
        t.setDaemon(true);
        return t;
      });
      idleCheck.scheduleWithFixedDelay(this::closeIdleTenants, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** A tenant's open store, when it was last used and how many calls use it now; guarded by the extension. */
  private static final class TenantStore {
    final TraceStore store;
    final boolean durable;
    long lastUsedNanos = System.nanoTime();
    int calls;

    TenantStore(TraceStore store, boolean durable) {
      this.store = store;
      this.durable = durable;
    }
  }

  /** Closes the durable tenant stores that nothing used for {@code tenant_idle_timeout}. */
  private void closeIdleTenants() {
    long idleSince = System.nanoTime() - config.tenantIdleTimeout.toNanos();
    List<Runnable> closes = new ArrayList<>();
    synchronized (this) {
      tenantStores.forEach((name, tenants) -> tenants.entrySet().removeIf(e -> {
        TenantStore t = e.getValue();
        if (!t.durable || t.calls > 0 || t.lastUsedNanos - idleSince > 0) {
          return false;
        }
        String key = name + "/" + e.getKey();
        CompletableFuture<Void> done = new CompletableFuture<>();
        closing.put(key, done);
        closes.add(() -> {
          try {
            t.store.close();
            log.info("storage backend \"{}\": closed the store of tenant \"{}\", unused for {}", name, e.getKey(),
                dev.skein.pipeline.config.GoDuration.format(config.tenantIdleTimeout));
          } catch (RuntimeException ex) {
            log.warn("storage backend \"{}\": the store of tenant \"{}\" failed to close", name, e.getKey(), ex);
          } finally {
            synchronized (this) {
              closing.remove(key);
            }
            done.complete(null);
          }
        });
        return true;
      }));
    }
    // Outside the lock: closing an embedded store commits what is queued and checkpoints.
    closes.forEach(Runnable::run);
  }

  /**
   * The bytes of the regular files under {@code dir}; a file removed while they are counted (a
   * closed log, a spill file) counts as nothing.
   */
  private static long bytesUnder(Path dir) {
    long[] total = {0};
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            total[0] += attrs.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      log.debug("counting the bytes under {} failed", dir, e);
    }
    return total[0];
  }

  /** The bytes Skein's user may still write on the file system holding {@code dir}; -1 if unknown. */
  private static long usableBytes(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      log.debug("reading the free space of {} failed", dir, e);
      return -1;
    }
  }

  /** How many tenant stores of backend {@code name} are open. */
  synchronized int openTenants(String name) {
    return tenantStores.getOrDefault(name, Map.of()).size();
  }

  private static TraceStore open(String name, BackendConfig b) {
    if (b.embedded != null) {
      Path path = Path.of(b.embedded.path).toAbsolutePath().normalize();
      log.info("storage backend \"{}\": embedded at {} (retention {})", name, path,
          dev.skein.pipeline.config.GoDuration.format(b.embedded.retention));
      return EmbeddedTraceStore.builder().path(path).retention(b.embedded.retention)
          .memoryLimitMib(b.embedded.memoryLimitMib).build();
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

  /**
   * Returns backend {@code name}'s store for {@code tenant}: the backend itself for
   * {@link Tenants#NONE}; otherwise the tenant's own store, opened on first use beside the
   * backend's data (an embedded backend's {@code tenants/} directory, a Cassandra keyspace of
   * its own, a memory store of its own). Tenants never share a store, so no query of one can
   * return another's spans.
   *
   * <p>A tenant's store is handed out as a {@link TenantHandle}: each call on it finds the
   * tenant's open store (opening it again if it was closed for being idle), and the store is not
   * closed while a call runs, so that no call meets a store closed under it.
   *
   * @param create whether to create the tenant's store when it has none; without, a tenant with
   *     no stored spans reads an empty store
   * @throws StorageException (not retryable) when the backend already has {@code max_tenants} tenants
   */
  TraceStore store(String name, String tenant, boolean create) {
    if (tenant.isEmpty()) {
      return acquire(name, tenant, create);
    }
    // Opens the tenant's store now, so that a tenant beyond max_tenants is refused here.
    release(name, tenant, acquire(name, tenant, create));
    return new TenantHandle(this, name, tenant, create);
  }

  /** The store for one call, counted as in use until {@link #release}. */
  TraceStore acquire(String name, String tenant, boolean create) {
    while (true) {
      CompletableFuture<Void> closed;
      synchronized (this) {
        closed = closing.get(name + "/" + tenant);
        if (closed == null) {
          TraceStore s = storeNow(name, tenant, create);
          TenantStore t = tenant.isEmpty() ? null : tenantStores.get(name).get(tenant);
          if (t != null && t.store == s) {
            t.calls++;
          }
          return s;
        }
      }
      // The tenant's store is being closed for being idle; it opens again once that is done.
      closed.join();
    }
  }

  /** Ends a call on {@code store}, which {@link #acquire} gave. */
  synchronized void release(String name, String tenant, TraceStore store) {
    TenantStore t = tenant.isEmpty() ? null : tenantStores.getOrDefault(name, Map.of()).get(tenant);
    if (t != null && t.store == store) {
      t.calls--;
      t.lastUsedNanos = System.nanoTime();
    }
  }

  private TraceStore storeNow(String name, String tenant, boolean create) {
    TraceStore main = stores.get(name);
    if (main == null) {
      throw new IllegalStateException("storage backend \"" + name + "\" is not open");
    }
    if (tenant.isEmpty()) {
      return main;
    }
    Map<String, TenantStore> tenants = tenantStores.computeIfAbsent(name, k -> new LinkedHashMap<>());
    TenantStore open = tenants.get(tenant);
    if (open != null) {
      open.lastUsedNanos = System.nanoTime();
      return open.store;
    }
    BackendConfig b = config.backends.get(name);
    if (!create && !hasTenant(b, main, tenant)) {
      return empty;
    }
    if (tenants.size() >= config.maxTenants) {
      throw new StorageException("storage backend \"" + name + "\" already holds " + tenants.size()
          + " tenants, so tenant \"" + tenant + "\" cannot be added (expected: at most max_tenants)", false, null);
    }
    TraceStore s = openTenant(name, b, tenant);
    tenants.put(tenant, new TenantStore(s, b.memory == null));
    return s;
  }

  /**
   * Whether {@code tenant} has data in backend {@code b}, whose store is {@code main}, that this
   * process has not opened yet.
   */
  private static boolean hasTenant(BackendConfig b, TraceStore main, String tenant) {
    if (b.embedded != null) {
      return java.nio.file.Files.isDirectory(tenantPath(b.embedded, tenant));
    }
    if (b.cassandra != null) {
      // Another node (an ingester) may have created the tenant's keyspace since; opening one that
      // does not exist would fail where create_schema is off, and create it where it is on.
      return main instanceof dev.skein.storage.cassandra.CassandraTraceStore c
          && c.hasSchema(tenantKeyspace(b.cassandra.keyspace, tenant));
    }
    // A memory store holds nothing across restarts.
    return false;
  }

  private static Path tenantPath(StorageExtensionConfig.EmbeddedConfig e, String tenant) {
    return Path.of(e.path).toAbsolutePath().normalize().resolve("tenants").resolve(Tenants.encode(tenant));
  }

  private static TraceStore openTenant(String name, BackendConfig b, String tenant) {
    BackendConfig t = new BackendConfig();
    t.limits = b.limits;
    if (b.embedded != null) {
      t.embedded = b.embedded.atPath(tenantPath(b.embedded, tenant).toString());
    } else if (b.cassandra != null) {
      t.cassandra = b.cassandra.forKeyspace(tenantKeyspace(b.cassandra.keyspace, tenant));
    } else {
      t.memory = b.memory;
    }
    log.info("storage backend \"{}\": opening the store of tenant \"{}\"", name, tenant);
    return open(name + "/" + tenant, t);
  }

  /**
   * A tenant's keyspace: the backend's, {@code _t} and 20 hex digits of the SHA-256 of the tenant
   * ID, which fits Cassandra's 48 characters for any tenant ID.
   */
  static String tenantKeyspace(String keyspace, String tenant) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256")
          .digest(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return keyspace + "_t" + java.util.HexFormat.of().formatHex(h, 0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The stores of backend {@code name} among the storage extensions of {@code host}, by tenant.
   *
   * @throws IllegalStateException naming what is missing
   */
  public static TenantStores stores(Host host, String name) {
    StorageExtension e = holding(host, name);
    return new TenantStores() {
      @Override
      public TraceStore forWrite(String tenant) {
        return e.store(name, tenant, true);
      }

      @Override
      public TraceStore forRead(String tenant) {
        return e.store(name, tenant, false);
      }
    };
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
    return holding(host, name).backend(name).orElseThrow();
  }

  /** The running storage extension of {@code host} that has backend {@code name} open. */
  private static StorageExtension holding(Host host, String name) {
    boolean anyExtension = false;
    for (Component c : host.extensions().values()) {
      if (c instanceof StorageExtension) {
        anyExtension = true;
        if (((StorageExtension) c).backend(name).isPresent()) {
          return (StorageExtension) c;
        }
      }
    }
    throw new IllegalStateException(anyExtension
        ? "backend \"" + name + "\" is not configured in the storage extension's backends"
        : "backend \"" + name + "\" needs the storage extension, which is not in service::extensions");
  }

  /**
   * The limiter of backend {@code name} among the storage extensions of {@code host}, which every
   * writer to that backend shares.
   *
   * @throws IllegalStateException if no storage extension configures {@code name}
   */
  static SpanLimiter limiter(Host host, String name) {
    for (Component c : host.extensions().values()) {
      if (c instanceof StorageExtension && ((StorageExtension) c).limiters.containsKey(name)) {
        return ((StorageExtension) c).limiters.get(name);
      }
    }
    throw new IllegalStateException("backend \"" + name + "\" is not configured in the storage extension's backends");
  }

  /**
   * The {@code limits::max_spans_per_trace} of backend {@code name}: no trace in it holds more
   * spans than this, except one whose count this process forgot (see {@link SpanLimiter}).
   *
   * @throws IllegalStateException if no storage extension of {@code host} configures {@code name}
   */
  public static int maxSpansPerTrace(Host host, String name) {
    return limiter(host, name).maxSpansPerTrace();
  }

  @Override
  public void shutdown() {
    ScheduledExecutorService check;
    synchronized (this) {
      check = idleCheck;
      idleCheck = null;
    }
    if (check != null) {
      // Lets a check that is closing stores finish; no later one runs.
      check.shutdown();
      try {
        if (!check.awaitTermination(5, TimeUnit.MINUTES)) {
          log.warn("closing idle tenant stores of {} did not finish within 5 minutes", id);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeAll();
    config.backends.keySet().forEach(name -> {
      telemetry.removeGauge(OPEN_TENANTS, "backend", name);
      telemetry.removeGauge(DISK_USED, "backend", name);
      telemetry.removeGauge(DISK_FREE, "backend", name);
    });
  }

  private synchronized void closeAll() {
    tenantStores.forEach((name, tenants) -> tenants.forEach((tenant, t) -> {
      try {
        t.store.close();
      } catch (RuntimeException e) {
        log.warn("storage backend \"{}\" of {}: the store of tenant \"{}\" failed to close", name, id, tenant, e);
      }
    }));
    tenantStores.clear();
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
