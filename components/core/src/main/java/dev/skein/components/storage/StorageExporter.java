package dev.skein.components.storage;

import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesExporter;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import java.util.concurrent.CompletableFuture;

/**
 * Writes batches, cut to the backend's limits ({@link SpanLimiter}), to a storage backend; a batch
 * counts as exported once the backend has it durably.
 */
final class StorageExporter implements TracesExporter {
  private final CreateSettings settings;
  private final StorageExporterConfig config;
  private volatile SpanLimiter limiter;
  private volatile TenantStores stores;

  StorageExporter(CreateSettings settings, StorageExporterConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public void start(Host host) {
    TenantStores s = StorageExtension.stores(host, config.backend);
    limiter = StorageExtension.limiter(host, config.backend);
    stores = s;
  }

  @Override
  public CompletableFuture<Void> consume(Traces batch) {
    TenantStores all = stores;
    if (all == null) {
      return CompletableFuture.failedFuture(
          PipelineException.retryable("exporter \"" + settings.id() + "\" is not running", null));
    }
    TraceStore s;
    try {
      s = all.forWrite(batch.tenant());
    } catch (RuntimeException e) {
      settings.telemetry().add("otelcol_exporter_send_failed_spans", "exporter", settings.id().toString(),
          batch.spanCount());
      // Too many tenants is for the operator to change; a store that failed to open may open later.
      return CompletableFuture.failedFuture(e instanceof StorageException && !((StorageException) e).retryable()
          ? PipelineException.permanent("storage: " + e.getMessage(), e)
          : PipelineException.retryable("storage: the store of tenant \"" + batch.tenant() + "\" cannot be opened: "
              + e.getMessage(), e));
    }
    String exporter = settings.id().toString();
    SpanLimiter.Limited limited = limiter.limit(batch);
    Traces traces = limited.traces();
    if (traces.isEmpty()) {
      limited.count(settings.telemetry(), exporter);
      return CompletableFuture.completedFuture(null);
    }
    return s.write(traces).handle((v, t) -> {
      if (t == null) {
        limited.count(settings.telemetry(), exporter);
        settings.telemetry().add("otelcol_exporter_sent_spans", "exporter", exporter, traces.spanCount());
        return null;
      }
      limited.unwritten();
      settings.telemetry().add("otelcol_exporter_send_failed_spans", "exporter", exporter, traces.spanCount());
      Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
      if (c instanceof StorageException) {
        StorageException e = (StorageException) c;
        throw e.retryable()
            ? PipelineException.retryable("storage: " + e.getMessage(), e)
            : PipelineException.permanent("storage: " + e.getMessage(), e);
      }
      throw PipelineException.classify(c);
    });
  }

  @Override
  public void shutdown() {
    stores = null;
  }
}
