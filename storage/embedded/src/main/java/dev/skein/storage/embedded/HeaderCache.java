package dev.skein.storage.embedded;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Parsed resource and scope headers by ID, shared by all reads. An ID is a hash of the header's
 * bytes, so a cached entry can never go stale; the cache only bounds how many it keeps.
 */
final class HeaderCache {
  private static final int MAX_ENTRIES = 10_000;

  private final Map<Long, ResourceSpans> resources = lru();
  private final Map<Long, ScopeSpans> scopes = lru();

  /** Fills every key of {@code wanted} with its header, from the cache or through {@code s}. */
  void resources(Statement s, Map<Long, ResourceSpans> wanted)
      throws SQLException, InvalidProtocolBufferException {
    StringJoiner missing = missing(resources, wanted);
    if (missing.length() > 0) {
      try (ResultSet rs = s.executeQuery(
          "SELECT resource_id, payload FROM resources WHERE resource_id IN (" + missing + ")")) {
        while (rs.next()) {
          ResourceSpans header = ResourceSpans.parseFrom(rs.getBytes(2));
          wanted.put(rs.getLong(1), header);
          synchronized (resources) {
            resources.put(rs.getLong(1), header);
          }
        }
      }
    }
    check(wanted, "resource");
  }

  /** Fills every key of {@code wanted} with its header, from the cache or through {@code s}. */
  void scopes(Statement s, Map<Long, ScopeSpans> wanted)
      throws SQLException, InvalidProtocolBufferException {
    StringJoiner missing = missing(scopes, wanted);
    if (missing.length() > 0) {
      try (ResultSet rs = s.executeQuery(
          "SELECT scope_id, payload FROM scopes WHERE scope_id IN (" + missing + ")")) {
        while (rs.next()) {
          ScopeSpans header = ScopeSpans.parseFrom(rs.getBytes(2));
          wanted.put(rs.getLong(1), header);
          synchronized (scopes) {
            scopes.put(rs.getLong(1), header);
          }
        }
      }
    }
    check(wanted, "scope");
  }

  private static <T> StringJoiner missing(Map<Long, T> cache, Map<Long, T> wanted) {
    StringJoiner missing = new StringJoiner(",");
    synchronized (cache) {
      for (Map.Entry<Long, T> e : wanted.entrySet()) {
        T cached = cache.get(e.getKey());
        if (cached == null) {
          // IDs are numbers, so listing them in the SQL text is safe.
          missing.add(Long.toString(e.getKey()));
        } else {
          e.setValue(cached);
        }
      }
    }
    return missing;
  }

  private static void check(Map<Long, ?> wanted, String what) throws SQLException {
    for (Map.Entry<Long, ?> e : wanted.entrySet()) {
      if (e.getValue() == null) {
        throw new SQLException("a span refers to " + what + " " + e.getKey() + ", which is not stored");
      }
    }
  }

  private static <T> Map<Long, T> lru() {
    return new LinkedHashMap<>(64, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, T> eldest) {
        return size() > MAX_ENTRIES;
      }
    };
  }
}
