package dev.skein.components.storage;

import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.LimitedTrace;
import dev.skein.storage.Operation;
import dev.skein.storage.TraceStore;
import dev.skein.storage.analytics.Baseline;
import dev.skein.storage.analytics.CompareQuery;
import dev.skein.storage.analytics.CompareResult;
import dev.skein.storage.analytics.OperationKey;
import dev.skein.storage.analytics.RedPoint;
import dev.skein.storage.analytics.RedQuery;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A tenant's store as {@link StorageExtension#store} hands it out. Every call finds the tenant's
 * store when it starts, opening it again if it was closed for being idle, and keeps it from being
 * closed until the call (for a write, its commit) ends. Closing a handle does nothing: the
 * extension closes the stores.
 */
final class TenantHandle implements TraceStore {
  private final StorageExtension extension;
  private final String backend;
  private final String tenant;
  private final boolean create;

  TenantHandle(StorageExtension extension, String backend, String tenant, boolean create) {
    this.extension = extension;
    this.backend = backend;
    this.tenant = tenant;
    this.create = create;
  }

  private <T> T use(Function<TraceStore, T> call) {
    TraceStore store = extension.acquire(backend, tenant, create);
    try {
      return call.apply(store);
    } finally {
      extension.release(backend, tenant, store);
    }
  }

  @Override
  public CompletableFuture<Void> write(Traces traces) {
    TraceStore store = extension.acquire(backend, tenant, create);
    CompletableFuture<Void> written;
    try {
      written = store.write(traces);
    } catch (RuntimeException e) {
      extension.release(backend, tenant, store);
      throw e;
    }
    return written.whenComplete((ok, failure) -> extension.release(backend, tenant, store));
  }

  @Override
  public Capabilities capabilities() {
    return use(TraceStore::capabilities);
  }

  @Override
  public Optional<Traces> trace(TraceId traceId) {
    return use(s -> s.trace(traceId));
  }

  @Override
  public Optional<LimitedTrace> trace(TraceId traceId, int maxSpans) {
    return use(s -> s.trace(traceId, maxSpans));
  }

  @Override
  public Map<TraceId, LimitedTrace> traces(List<TraceId> traceIds, int maxSpans) {
    return use(s -> s.traces(traceIds, maxSpans));
  }

  @Override
  public List<String> services() {
    return use(TraceStore::services);
  }

  @Override
  public List<Operation> operations(String service, @Nullable String spanKind) {
    return use(s -> s.operations(service, spanKind));
  }

  @Override
  public SearchResult search(TraceQuery query) {
    return use(s -> s.search(query));
  }

  @Override
  public List<DependencyLink> dependencies(long startMinNanos, long startMaxNanos) {
    return use(s -> s.dependencies(startMinNanos, startMaxNanos));
  }

  @Override
  public List<String> tagNames(TagQuery query) {
    return use(s -> s.tagNames(query));
  }

  @Override
  public List<TagValue> tagValues(TagQuery query, String key) {
    return use(s -> s.tagValues(query, key));
  }

  @Override
  public List<RedPoint> red(RedQuery query) {
    return use(s -> s.red(query));
  }

  @Override
  public List<Baseline> baselines(Collection<OperationKey> operations, long startNanos, long endNanos,
      @Nullable TraceId excluding) {
    return use(s -> s.baselines(operations, startNanos, endNanos, excluding));
  }

  @Override
  public CompareResult compare(CompareQuery query) {
    return use(s -> s.compare(query));
  }

  @Override
  public Optional<TraceSummary> summary(TraceId traceId) {
    return use(s -> s.summary(traceId));
  }

  @Override
  public void close() {
    // The extension closes tenants' stores: when idle, and when it shuts down.
  }

  @Override
  public String toString() {
    return "store of tenant \"" + tenant + "\" in backend \"" + backend + "\"";
  }
}
