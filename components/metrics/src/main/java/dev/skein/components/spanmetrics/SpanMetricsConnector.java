package dev.skein.components.spanmetrics;

import dev.skein.components.metrics.internal.MetricsSource;
import dev.skein.model.Metrics;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.MetricsConsumer;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConnector;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregates spans into RED metrics and pushes them downstream every
 * {@code metrics_flush_interval}, and once more at shutdown. Spans are acknowledged as soon as
 * they are counted: the metrics pipeline's failures never make a client resend its spans.
 */
final class SpanMetricsConnector implements TracesConnector, MetricsSource {
  private static final Logger log = LoggerFactory.getLogger(SpanMetricsConnector.class);

  private final String id;
  private final SpanMetricsConfig config;
  private final SpanMetricsAggregator aggregator;
  private final @Nullable MetricsConsumer next;
  private @Nullable ScheduledExecutorService timer;
  private boolean shutDown;

  /** With {@code next} null the metrics are only read through {@link #collect}. */
  SpanMetricsConnector(String id, SpanMetricsConfig config, @Nullable MetricsConsumer next) {
    this.id = id;
    this.config = config;
    this.aggregator = new SpanMetricsAggregator(config, SpanMetricsConnector::nowNanos);
    this.next = next;
  }

  static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public synchronized void start(Host host) {
    if (timer != null || shutDown || next == null) {
      return;
    }
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "spanmetrics-flush-" + id);
      t.setDaemon(true);
      return t;
    });
    long period = config.metricsFlushInterval.toNanos();
    timer.scheduleAtFixedRate(this::flush, period, period, TimeUnit.NANOSECONDS);
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    aggregator.record(traces);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Metrics collect() {
    return aggregator.collect();
  }

  SpanMetricsAggregator aggregator() {
    return aggregator;
  }

  /** Pushes the current metrics downstream and waits for them to be handled. */
  void flush() {
    if (next == null) {
      return;
    }
    Metrics m = aggregator.collect();
    if (m.dataPointCount() == 0) {
      return;
    }
    try {
      next.consume(m).get(config.metricsFlushInterval.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("connector \"{}\": the metrics pipeline refused {} data points: {}", id, m.dataPointCount(),
          PipelineException.classify(e).getMessage());
    }
  }

  @Override
  public void shutdown() {
    ScheduledExecutorService t;
    synchronized (this) {
      if (shutDown) {
        return;
      }
      shutDown = true;
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
      try {
        t.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flush();
    }
  }
}
