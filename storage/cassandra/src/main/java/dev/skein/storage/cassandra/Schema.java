package dev.skein.storage.cassandra;

import java.util.List;

/**
 * The four tables of a keyspace (few tables, because each costs a Cassandra node memory and every
 * schema change is coordinated cluster-wide):
 * <ul>
 *   <li>{@code spans}: one partition per trace and one row per distinct span, keyed by a digest of
 *       the span with its resource and scope, so that writing it again overwrites the same row;
 *   <li>{@code names}: the lists of services, of each service's operations, and of the hours that
 *       have index entries, each a partition {@code (list, owner)};
 *   <li>{@code trace_index}: candidate traces for a search, by start time within a partition of
 *       one hour ("bucket") of one index: every trace ({@code trace}, in four shards), a service
 *       ({@code service}), an operation ({@code operation}) or an attribute value of a service
 *       ({@code tag});
 *   <li>{@code duration_index}: candidate traces by span duration, per service and operation (the
 *       empty operation standing for all of them) and hour.
 * </ul>
 * Every row is written with a TTL that ends with the retention of the spans it stands for.
 */
final class Schema {
  private Schema() {}

  /** The span start times of one index partition. */
  static final long BUCKET_NANOS = 3_600_000_000_000L;
  /** Partitions per hour of the index of every trace. */
  static final int TRACE_INDEX_SHARDS = 4;

  static final String LIST_SERVICES = "service";
  static final String LIST_OPERATIONS = "operation";
  static final String LIST_BUCKETS = "bucket";

  static final String INDEX_TRACE = "trace";
  static final String INDEX_SERVICE = "service";
  static final String INDEX_OPERATION = "operation";
  static final String INDEX_TAG = "tag";

  static long bucket(long startNanos) {
    return Math.floorDiv(startNanos, BUCKET_NANOS);
  }

  /** The key of an index partition made of several strings; the separator cannot occur in CQL text keys users give. */
  static String key(String... parts) {
    return String.join("\u0000", parts);
  }

  static String createKeyspace(String keyspace, String datacenter, int replicationFactor) {
    return "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = {'class': 'NetworkTopologyStrategy', '"
        + datacenter.replace("'", "''") + "': " + replicationFactor + "}";
  }

  static List<String> tables() {
    return List.of("spans", "names", "trace_index", "duration_index");
  }

  static List<String> createTables(String ks) {
    String timeWindows = "compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS',"
        + " 'compaction_window_size': 1} AND gc_grace_seconds = 10800";
    return List.of(
        "CREATE TABLE IF NOT EXISTS " + ks + ".spans (trace_id blob, span_key blob, start_time bigint,"
            + " resource blob, scope blob, span blob, PRIMARY KEY (trace_id, span_key)) WITH " + timeWindows,
        "CREATE TABLE IF NOT EXISTS " + ks + ".names (list text, owner text, name text, detail text,"
            + " PRIMARY KEY ((list, owner), name, detail))",
        "CREATE TABLE IF NOT EXISTS " + ks + ".trace_index (kind text, key text, bucket bigint, start_time bigint,"
            + " trace_id blob, PRIMARY KEY ((kind, key, bucket), start_time, trace_id))"
            + " WITH CLUSTERING ORDER BY (start_time DESC, trace_id ASC) AND " + timeWindows,
        "CREATE TABLE IF NOT EXISTS " + ks + ".duration_index (service_name text, operation_name text,"
            + " bucket bigint, duration bigint, start_time bigint, trace_id blob,"
            + " PRIMARY KEY ((service_name, operation_name, bucket), duration, start_time, trace_id)) WITH "
            + timeWindows);
  }
}
