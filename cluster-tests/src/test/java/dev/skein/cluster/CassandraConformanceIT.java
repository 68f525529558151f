package dev.skein.cluster;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.skein.cluster.engines.Engines;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.TraceStore;
import dev.skein.storage.cassandra.CassandraTraceStore;
import dev.skein.storage.conformance.TraceStoreConformance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared storage conformance suite against the three-node Cassandra cluster, with replication
 * factor 3 and LOCAL_QUORUM. Each directory a test opens maps to a keyspace of its own (the same
 * directory, reopened, to the same keyspace). Creating a keyspace is a cluster-wide schema change
 * that takes seconds, so keyspaces are reused: after each test their tables are truncated and they
 * go back to a pool.
 */
@ExtendWith(SharedCluster.class)
class CassandraConformanceIT extends TraceStoreConformance {
  private static CqlSession admin;
  private static final Deque<String> pool = new ArrayDeque<>();
  private static int created;
  private final Map<Path, String> keyspaces = new LinkedHashMap<>();

  @BeforeAll
  static void connect() {
    admin = SharedCluster.engines().session();
  }

  @AfterAll
  static void disconnect() {
    if (admin != null) {
      admin.close();
    }
  }

  @Override
  protected TraceStore open(Path dir) {
    return builder(dir).build();
  }

  @Override
  protected TraceStore openWithRetention(Path dir, Duration retention, Duration checkInterval) {
    return builder(dir).retention(retention).build();
  }

  private CassandraTraceStore.Builder builder(Path dir) {
    String keyspace = keyspaces.computeIfAbsent(dir.toAbsolutePath().normalize(),
        d -> pool.isEmpty() ? "conformance_" + ++created : pool.pop());
    CassandraTraceStore.Builder b = CassandraTraceStore.builder().keyspace(keyspace).replicationFactor(3)
        .localDatacenter(Engines.DATACENTER).consistency("LOCAL_QUORUM");
    SharedCluster.engines().cassandraContactPoints().forEach(b::contactPoint);
    return b;
  }

  @Override
  protected Capabilities expectedCapabilities() {
    return Capabilities.of(Capability.TRACE_BY_ID, Capability.DURABLE, Capability.RETENTION, Capability.SEARCH,
        Capability.DEPENDENCIES, Capability.TAGS);
  }

  @AfterEach
  void emptyKeyspaces() {
    if (store != null) {
      store.close();
    }
    for (String ks : keyspaces.values()) {
      for (Row table : admin.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", ks)) {
        admin.execute("TRUNCATE " + ks + "." + table.getString(0));
      }
      pool.push(ks);
    }
  }
}
