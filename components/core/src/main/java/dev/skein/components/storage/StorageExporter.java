package dev.skein.components.storage;

import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesExporter;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import java.util.concurrent.CompletableFuture;

/** Writes batches to a storage backend; a batch counts as exported once the backend has it durably. */
final class StorageExporter implements TracesExporter {
  private final CreateSettings settings;
  private final StorageExporterConfig config;
  private volatile TraceStore store;

  StorageExporter(CreateSettings settings, StorageExporterConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public void start(Host host) {
    store = StorageExtension.find(host, config.backend);
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    TraceStore s = store;
    if (s == null) {
      return CompletableFuture.failedFuture(
          PipelineException.retryable("exporter \"" + settings.id() + "\" is not running", null));
    }
    String exporter = settings.id().toString();
    return s.write(traces).handle((v, t) -> {
      if (t == null) {
        settings.telemetry().add("otelcol_exporter_sent_spans", "exporter", exporter, traces.spanCount());
        return null;
      }
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
    store = null;
  }
}
