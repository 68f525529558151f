package dev.skein.components.debugexporter;

import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.TracesExporter;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every batch as the Collector's debug exporter does: a summary line with the counts, then
 * (normal) one line per span or (detailed) every field. Sampling follows the Collector's logger:
 * in each second, the first {@code sampling_initial} batches are written and then every
 * {@code sampling_thereafter}-th; a batch is written whole or not at all.
 */
final class DebugExporter implements TracesExporter {
  private static final Logger log = LoggerFactory.getLogger(DebugExporter.class);
  private static final long SECOND = 1_000_000_000L;

  private final CreateSettings settings;
  private final DebugExporterConfig config;
  private final Consumer<String> out;
  private final LongSupplier nanoTime;
  private long windowStart;
  private long inWindow;
  private boolean windowOpen;

  DebugExporter(CreateSettings settings, DebugExporterConfig config, Consumer<String> out, LongSupplier nanoTime) {
    this.settings = settings;
    this.config = config;
    this.out = out;
    this.nanoTime = nanoTime;
  }

  static Consumer<String> output(DebugExporterConfig config) {
    if (config.useInternalLogger) {
      return log::info;
    }
    return text -> {
      synchronized (System.out) {
        System.out.println(text);
      }
    };
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    if (!sampled()) {
      return CompletableFuture.completedFuture(null);
    }
    out.accept("TracesExporter {\"kind\": \"exporter\", \"data_type\": \"traces\", \"name\": \""
        + settings.id() + "\", \"resource spans\": " + traces.resourceSpans().size()
        + ", \"spans\": " + traces.spanCount() + "}");
    if (config.verbosity.equals("normal") && !traces.isEmpty()) {
      out.accept(SpanText.normal(traces));
    } else if (config.verbosity.equals("detailed") && !traces.resourceSpans().isEmpty()) {
      out.accept(SpanText.detailed(traces));
    }
    return CompletableFuture.completedFuture(null);
  }

  private synchronized boolean sampled() {
    long now = nanoTime.getAsLong();
    if (!windowOpen || now - windowStart >= SECOND) {
      windowOpen = true;
      windowStart = now;
      inWindow = 0;
    }
    long n = ++inWindow;
    return n <= config.samplingInitial || (n - config.samplingInitial) % config.samplingThereafter == 0;
  }
}
