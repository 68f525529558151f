package dev.skein.components.batchprocessor;

import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Groups batches by size and time, with the Collector's semantics for {@code send_batch_size},
 * {@code send_batch_max_size} and {@code timeout}.
 *
 * <p>Unlike the Collector's, a caller's future completes only when every batch holding its spans
 * has been consumed downstream. With a storage exporter behind it, a client is acknowledged only
 * once its spans are durable, and the batches become group commits.
 */
final class BatchProcessor implements TracesProcessor {
  private final BatchProcessorConfig config;
  private final TracesConsumer next;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();
  private final List<Piece> pending = new ArrayList<>();
  private final List<CompletableFuture<Void>> inFlight = new ArrayList<>();
  private int pendingSpans;
  private ScheduledFuture<?> scheduled;
  private boolean shutDown;

  private record Piece(Traces traces, CompletableFuture<Void> done) {}

  BatchProcessor(BatchProcessorConfig config, TracesConsumer next) {
    this.config = config;
    this.next = next;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "batch-timer");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void start(Host host) {}

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    if (traces.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<Traces> parts = config.sendBatchMaxSize > 0 && traces.spanCount() > config.sendBatchMaxSize
        ? split(traces, config.sendBatchMaxSize) : List.of(traces);
    List<CompletableFuture<Void>> futures = new ArrayList<>(parts.size());
    List<List<Piece>> ready = new ArrayList<>();
    synchronized (lock) {
      if (shutDown) {
        return CompletableFuture.failedFuture(PipelineException.retryable("the batch processor is shutting down", null));
      }
      for (Traces part : parts) {
        Piece p = new Piece(part, new CompletableFuture<>());
        futures.add(p.done());
        pending.add(p);
        pendingSpans += part.spanCount();
      }
      while (pendingSpans >= config.sendBatchSize) {
        ready.add(takeLocked());
      }
      if (!pending.isEmpty() && scheduled == null) {
        scheduled = timer.schedule(this::onTimeout, config.timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
    ready.forEach(this::send);
    return futures.size() == 1 ? futures.get(0)
        : CompletableFuture.allOf(futures.toArray(new CompletableFuture[0]));
  }

  private void onTimeout() {
    List<List<Piece>> ready = new ArrayList<>();
    synchronized (lock) {
      scheduled = null;
      while (!pending.isEmpty()) {
        ready.add(takeLocked());
      }
    }
    ready.forEach(this::send);
  }

  /** Takes pieces from the head of the queue up to send_batch_max_size spans (at least one). */
  private List<Piece> takeLocked() {
    List<Piece> batch = new ArrayList<>();
    int spans = 0;
    int limit = config.sendBatchMaxSize > 0 ? config.sendBatchMaxSize : Integer.MAX_VALUE;
    while (!pending.isEmpty()) {
      Piece p = pending.get(0);
      if (!batch.isEmpty() && spans + p.traces().spanCount() > limit) {
        break;
      }
      pending.remove(0);
      batch.add(p);
      spans += p.traces().spanCount();
    }
    pendingSpans -= spans;
    if (pending.isEmpty() && scheduled != null) {
      scheduled.cancel(false);
      scheduled = null;
    }
    return batch;
  }

  /** Sends one batch per tenant among {@code batch}'s pieces: spans of different tenants never share one. */
  private void send(List<Piece> batch) {
    java.util.Map<String, List<Piece>> byTenant = new java.util.LinkedHashMap<>();
    for (Piece p : batch) {
      byTenant.computeIfAbsent(p.traces().tenant(), k -> new ArrayList<>()).add(p);
    }
    byTenant.forEach(this::sendTenant);
  }

  private void sendTenant(String tenant, List<Piece> batch) {
    List<ResourceSpans> all = new ArrayList<>();
    for (Piece p : batch) {
      all.addAll(p.traces().resourceSpans());
    }
    CompletableFuture<Void> f = consumeSafely(Traces.of(all).withTenant(tenant));
    synchronized (lock) {
      inFlight.add(f);
    }
    f.whenComplete((v, t) -> {
      synchronized (lock) {
        inFlight.remove(f);
      }
      for (Piece p : batch) {
        if (t == null) {
          p.done().complete(null);
        } else {
          p.done().completeExceptionally(PipelineException.classify(t));
        }
      }
    });
  }

  private CompletableFuture<Void> consumeSafely(Traces traces) {
    try {
      return next.consume(traces);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Splits {@code traces} into batches of at most {@code max} spans, keeping resource and scope groups. */
  static List<Traces> split(Traces traces, int max) {
    List<Traces> out = new ArrayList<>();
    Traces.Builder[] current = {Traces.builder()};
    int[] count = {0};
    traces.forEachSpan((ResourceSpans rs, ScopeSpans ss, io.opentelemetry.proto.trace.v1.Span span) -> {
      if (count[0] == max) {
        out.add(current[0].build().withTenant(traces.tenant()));
        current[0] = Traces.builder();
        count[0] = 0;
      }
      current[0].add(rs, ss, span);
      count[0]++;
    });
    if (count[0] > 0) {
      out.add(current[0].build().withTenant(traces.tenant()));
    }
    return out;
  }

  /** Sends what is pending and waits (up to a minute) for everything in flight. */
  @Override
  public void shutdown() {
    List<List<Piece>> ready = new ArrayList<>();
    List<CompletableFuture<Void>> waiting;
    synchronized (lock) {
      if (shutDown) {
        return;
      }
      shutDown = true;
      while (!pending.isEmpty()) {
        ready.add(takeLocked());
      }
    }
    ready.forEach(this::send);
    synchronized (lock) {
      waiting = new ArrayList<>(inFlight);
    }
    try {
      CompletableFuture.allOf(waiting.toArray(new CompletableFuture[0])).get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      // Each caller already received its own failure; shutdown only waits.
    }
    timer.shutdownNow();
  }
}
