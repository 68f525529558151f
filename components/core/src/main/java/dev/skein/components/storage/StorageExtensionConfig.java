package dev.skein.components.storage;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code storage} extension: named backends, each exactly one of {@code embedded} (DuckDB,
 * durable), {@code memory} or {@code cassandra}, with the {@code limits} its batches are cut to.
 */
final class StorageExtensionConfig implements ComponentConfig {
  Map<String, BackendConfig> backends = new LinkedHashMap<>(Map.of("main", BackendConfig.embeddedDefault()));
  /** With multitenancy, how many tenants' stores one backend may hold. */
  int maxTenants = 100;
  /**
   * With multitenancy, how long a tenant's durable store stays open with nothing written to it or
   * read from it; 0 keeps every store open until Skein stops.
   */
  Duration tenantIdleTimeout = Duration.ofMinutes(10);

  static final class BackendConfig {
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable EmbeddedConfig embedded;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable MemoryConfig memory;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable CassandraConfig cassandra;

    /** What a batch may hold before it is written; see {@link SpanLimiter}. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    LimitsConfig limits = new LimitsConfig();

    static BackendConfig embeddedDefault() {
      BackendConfig b = new BackendConfig();
      b.embedded = new EmbeddedConfig();
      return b;
    }
  }

  /** A backend's settings that a tenant's store takes over, with every field copied. */
  abstract static class Copyable implements Cloneable {
    @SuppressWarnings("unchecked")
    <T extends Copyable> T copy() {
      try {
        return (T) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  static final class EmbeddedConfig extends Copyable {
    String path = "./data";
    Duration retention = Duration.ofDays(7);
    /**
     * DuckDB's memory cap, outside the JVM's heap, to which the store adds room for the index on
     * trace IDs as traces are stored. DuckDB fills what it is given with cached blocks, so the cap
     * is most of its resident memory; writing 10,000 spans/s was as fast and as cheap in CPU with
     * 128 MiB as with 1 GiB.
     */
    int memoryLimitMib = 128;

    /** These settings with another path (a tenant's store). */
    EmbeddedConfig atPath(String path) {
      EmbeddedConfig c = copy();
      c.path = path;
      return c;
    }
  }

  /** The limits every batch is cut to before it is written to the backend; see {@link SpanLimiter}. */
  static final class LimitsConfig {
    int maxAttributeValueLength = 65_536;
    int maxAttributesPerSpan = 1_024;
    int maxEventsPerSpan = 1_024;
    int maxLinksPerSpan = 1_024;
    int maxSpansPerTrace = 100_000;
    int maxTrackedTraces = 100_000;

    void validate(String path, List<String> errors) {
      positive(errors, path + "::max_attribute_value_length", maxAttributeValueLength);
      positive(errors, path + "::max_attributes_per_span", maxAttributesPerSpan);
      positive(errors, path + "::max_events_per_span", maxEventsPerSpan);
      positive(errors, path + "::max_links_per_span", maxLinksPerSpan);
      positive(errors, path + "::max_spans_per_trace", maxSpansPerTrace);
      positive(errors, path + "::max_tracked_traces", maxTrackedTraces);
    }

    private static void positive(List<String> errors, String key, int n) {
      if (n <= 0) {
        errors.add(key + ": " + n + " (expected: > 0)");
      }
    }
  }

  static final class MemoryConfig {
    int maxTraces = 100_000;
  }

  static final class CassandraConfig extends Copyable {
    List<String> contactPoints = new ArrayList<>(List.of("127.0.0.1:9042"));
    String localDatacenter = "datacenter1";
    String keyspace = "skein";
    int replicationFactor = 1;
    String consistency = "LOCAL_QUORUM";
    Duration retention = Duration.ofDays(7);
    boolean createSchema = true;
    Duration requestTimeout = Duration.ofSeconds(10);
    int maxTracesPerSearch = 10_000;
    String username = "";
    String password = "";

    /** These settings with another keyspace. */
    CassandraConfig forKeyspace(String keyspace) {
      CassandraConfig c = copy();
      c.keyspace = keyspace;
      return c;
    }
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (maxTenants <= 0) {
      errors.add("max_tenants: " + maxTenants + " (expected: > 0)");
    }
    if (tenantIdleTimeout.isNegative()) {
      errors.add("tenant_idle_timeout: " + dev.skein.pipeline.config.GoDuration.format(tenantIdleTimeout)
          + " (expected: >= 0; 0 keeps tenant stores open)");
    }
    if (backends.isEmpty()) {
      errors.add("backends: empty (expected: at least one backend, e.g. main: {embedded: {path: ./data}})");
    }
    backends.forEach((name, b) -> {
      String path = "backends::" + name;
      if (b == null) {
        errors.add(path + ": empty (expected: one of embedded, memory, cassandra)");
        return;
      }
      int kinds = (b.embedded != null ? 1 : 0) + (b.memory != null ? 1 : 0) + (b.cassandra != null ? 1 : 0);
      if (kinds != 1) {
        errors.add(path + ": " + kinds + " backend types (expected: exactly one of embedded, memory, cassandra)");
      }
      if (b.cassandra != null) {
        if (b.cassandra.contactPoints.isEmpty()) {
          errors.add(path + "::cassandra::contact_points: empty (expected: at least one host[:port])");
        }
        if (b.cassandra.replicationFactor <= 0) {
          errors.add(path + "::cassandra::replication_factor: " + b.cassandra.replicationFactor + " (expected: > 0)");
        }
        if (b.cassandra.retention.compareTo(Duration.ofSeconds(1)) < 0
            || b.cassandra.retention.compareTo(Duration.ofDays(365L * 20)) > 0) {
          errors.add(path + "::cassandra::retention: " + dev.skein.pipeline.config.GoDuration.format(b.cassandra.retention)
              + " (expected: from 1s to 20 years)");
        }
      }
      if (b.embedded != null) {
        if (b.embedded.path.isBlank()) {
          errors.add(path + "::embedded::path: empty (expected: a directory)");
        }
        if (b.embedded.memoryLimitMib <= 0) {
          errors.add(path + "::embedded::memory_limit_mib: " + b.embedded.memoryLimitMib + " (expected: > 0)");
        }
        if (b.embedded.retention.isNegative() || b.embedded.retention.isZero()) {
          errors.add(path + "::embedded::retention: " + dev.skein.pipeline.config.GoDuration.format(b.embedded.retention)
              + " (expected: > 0)");
        }
      }
      b.limits.validate(path + "::limits", errors);
      if (b.memory != null && b.memory.maxTraces <= 0) {
        errors.add(path + "::memory::max_traces: " + b.memory.maxTraces + " (expected: > 0)");
      }
    });
    return errors;
  }
}
