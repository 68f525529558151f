package dev.skein.storage.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.google.protobuf.ByteString;
import dev.skein.storage.search.AttributeValues;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects the index entries of one batch, each once, with the earliest start of the spans it
 * stands for, and turns them into statements. An entry's start time is never earlier than its
 * trace's start, which is what lets a search bound its reads.
 */
final class Indexer {
  private record Service(ByteString trace, String service) {}

  private record Op(ByteString trace, String service, String operation) {}

  private record Tag(ByteString trace, String service, String key, String value) {}

  private record Dur(ByteString trace, String service, String operation, long duration, long start) {}

  private record Listed(String service, String operation, String kind) {}

  private final Map<ByteString, Long> traces = new LinkedHashMap<>();
  private final Map<Service, Long> services = new LinkedHashMap<>();
  private final Map<Op, Long> operations = new LinkedHashMap<>();
  private final Map<Tag, Long> tags = new LinkedHashMap<>();
  private final Map<Dur, Boolean> durations = new LinkedHashMap<>();
  private final Map<String, Long> serviceNames = new LinkedHashMap<>();
  private final Map<Listed, Long> operationNames = new LinkedHashMap<>();

  void add(ResourceSpans rs, String service, Span span) {
    ByteString trace = span.getTraceId();
    long start = span.getStartTimeUnixNano();
    traces.merge(trace, start, Math::min);
    services.merge(new Service(trace, service), start, Math::min);
    operations.merge(new Op(trace, service, span.getName()), start, Math::min);
    serviceNames.merge(service, start, Math::max);
    operationNames.merge(new Listed(service, span.getName(), CassandraTraceStore.kindName(span)), start, Math::max);
    long duration = Math.max(0, span.getEndTimeUnixNano() - start);
    durations.put(new Dur(trace, service, span.getName(), duration, start), true);
    durations.put(new Dur(trace, service, "", duration, start), true);
    addTags(trace, service, span.getAttributesList(), start);
    addTags(trace, service, rs.getResource().getAttributesList(), start);
  }

  private void addTags(ByteString trace, String service, List<KeyValue> attributes, long start) {
    for (KeyValue kv : attributes) {
      if (AttributeValues.typeName(kv.getValue()) == null || kv.getKey().length() > CassandraTraceStore.MAX_INDEXED_TAG) {
        continue;
      }
      String value = AttributeValues.text(kv.getValue());
      if (value.length() <= CassandraTraceStore.MAX_INDEXED_TAG) {
        tags.merge(new Tag(trace, service, kv.getKey(), value), start, Math::min);
      }
    }
  }

  void statements(CassandraTraceStore store, long nowNanos, List<BoundStatement> out) {
    CassandraTraceStore.Statements st = store.statements;
    Map<Long, Long> buckets = new LinkedHashMap<>();
    traces.forEach((trace, start) -> {
      buckets.merge(Schema.bucket(start), start, Math::max);
      String shard = Integer.toString(Math.floorMod(trace.hashCode(), Schema.TRACE_INDEX_SHARDS));
      out.add(index(st, Schema.INDEX_TRACE, shard, start, trace, store.ttl(start, nowNanos)));
    });
    services.forEach((k, start) -> out.add(index(st, Schema.INDEX_SERVICE, k.service(), start, k.trace(),
        store.ttl(start, nowNanos))));
    operations.forEach((k, start) -> out.add(index(st, Schema.INDEX_OPERATION, Schema.key(k.service(), k.operation()),
        start, k.trace(), store.ttl(start, nowNanos))));
    tags.forEach((k, start) -> out.add(index(st, Schema.INDEX_TAG, Schema.key(k.service(), k.key(), k.value()),
        start, k.trace(), store.ttl(start, nowNanos))));
    durations.keySet().forEach(k -> out.add(st.insertDurationIndex.bind(k.service(), k.operation(),
        Schema.bucket(k.start()), k.duration(), k.start(), buf(k.trace()), store.ttl(k.start(), nowNanos))));
    serviceNames.forEach((service, latest) -> {
      int ttl = store.ttl(latest, nowNanos);
      if (store.needsWrite(List.of(Schema.LIST_SERVICES, service), ttl, nowNanos)) {
        out.add(st.insertName.bind(Schema.LIST_SERVICES, "", service, "", ttl));
      }
    });
    operationNames.forEach((k, latest) -> {
      int ttl = store.ttl(latest, nowNanos);
      if (store.needsWrite(k, ttl, nowNanos)) {
        out.add(st.insertName.bind(Schema.LIST_OPERATIONS, k.service(), k.operation(), k.kind(), ttl));
      }
    });
    buckets.forEach((bucket, latest) -> {
      // The list outlives the entries of its hour, which expire with the spans they index.
      int ttl = (int) Math.min(Integer.MAX_VALUE, (long) store.ttl(latest, nowNanos) + 7200);
      if (store.needsWrite(List.of(Schema.LIST_BUCKETS, bucket), ttl, nowNanos)) {
        out.add(st.insertName.bind(Schema.LIST_BUCKETS, "", Long.toString(bucket), "", ttl));
      }
    });
  }

  private static BoundStatement index(CassandraTraceStore.Statements st, String kind, String key, long start,
      ByteString trace, int ttl) {
    return st.insertIndex.bind(kind, key, Schema.bucket(start), start, buf(trace), ttl);
  }

  private static ByteBuffer buf(ByteString b) {
    return b.asReadOnlyByteBuffer();
  }
}
