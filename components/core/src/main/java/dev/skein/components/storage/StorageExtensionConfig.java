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
 * durable) or {@code memory}.
 */
final class StorageExtensionConfig implements ComponentConfig {
  Map<String, BackendConfig> backends = new LinkedHashMap<>(Map.of("main", BackendConfig.embeddedDefault()));

  static final class BackendConfig {
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable EmbeddedConfig embedded;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable MemoryConfig memory;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable CassandraConfig cassandra;

    static BackendConfig embeddedDefault() {
      BackendConfig b = new BackendConfig();
      b.embedded = new EmbeddedConfig();
      return b;
    }
  }

  static final class EmbeddedConfig {
    String path = "./data";
    Duration retention = Duration.ofDays(7);
  }

  static final class MemoryConfig {
    int maxTraces = 100_000;
  }

  static final class CassandraConfig {
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
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
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
        if (b.embedded.retention.isNegative() || b.embedded.retention.isZero()) {
          errors.add(path + "::embedded::retention: " + dev.skein.pipeline.config.GoDuration.format(b.embedded.retention)
              + " (expected: > 0)");
        }
      }
      if (b.memory != null && b.memory.maxTraces <= 0) {
        errors.add(path + "::memory::max_traces: " + b.memory.maxTraces + " (expected: > 0)");
      }
    });
    return errors;
  }
}
