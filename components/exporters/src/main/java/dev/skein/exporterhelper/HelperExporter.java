package dev.skein.exporterhelper;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.components.filestorage.FileStorageExtension;
import dev.skein.components.filestorage.StorageClient;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesExporter;
import dev.skein.pipeline.config.GoDuration;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter that {@link ExporterHelper} builds: a queue (in memory, on disk, or none) in front
 * of a retrying {@link TracesSender}.
 *
 * <p>Capacity counts the batches waiting in the queue (and those being written to disk), not the
 * ones being sent, as the Collector's {@code queue_size} does. A persistent queue's batch is a
 * file of the storage client, named by a sequence number so that a restart sends the oldest first;
 * it is deleted once the batch was sent or dropped, so delivery is at least once: a batch whose
 * send succeeded just before a crash, and was not yet deleted, is sent again.
 */
final class HelperExporter implements TracesExporter {
  private static final Logger log = LoggerFactory.getLogger(HelperExporter.class);
  /** The field of a stored {@code TracesData} that holds the batch's tenant: far above OTLP's own. */
  static final int TENANT_FIELD = 10_000;

  /** The storage client's name, as the Collector names a persistent queue's client after its signal. */
  static final String STORAGE_CLIENT = "traces";

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private enum Status { SENT, FAILED, LEFT_ON_DISK }

  private record Outcome(Status status, long rejected, @Nullable PipelineException error, String why) {}

  private record Item(Traces traces, @Nullable String key) {}

  private final CreateSettings settings;
  private final String id;
  private final QueueConfig queueConfig;
  private final RetryConfig retry;
  private final TracesSender sender;
  private final Scheduler scheduler;
  private final DoubleSupplier random;
  private final Duration drainTimeout;

  private final Object lock = new Object();
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final Set<Delivery> waitingToRetry = new HashSet<>();
  /** Queue slots taken: batches waiting in the queue and batches being written to disk. */
  private int reserved;
  /** Batches between their first attempt and their outcome. */
  private int inFlight;
  private long nextSeq;
  private State state = State.NEW;
  @Nullable private volatile StorageClient storage;

  HelperExporter(CreateSettings settings, QueueConfig queueConfig, RetryConfig retry, TracesSender sender,
      Scheduler scheduler, DoubleSupplier random, Duration drainTimeout) {
    this.settings = settings;
    this.id = settings.id().toString();
    this.queueConfig = queueConfig;
    this.retry = retry;
    this.sender = sender;
    this.scheduler = scheduler;
    this.random = random;
    this.drainTimeout = drainTimeout;
  }

  private boolean persistent() {
    return queueConfig.enabled() && queueConfig.storage() != null;
  }

  @Override
  public void start(Host host) throws Exception {
    synchronized (lock) {
      if (state != State.NEW) {
        return;
      }
    }
    sender.start(host);
    List<Item> loaded = new ArrayList<>();
    long maxSeq = -1;
    if (persistent()) {
      try {
        FileStorageExtension extension;
        try {
          extension = host.extension(ComponentId.parse(queueConfig.storage()), FileStorageExtension.class);
        } catch (IllegalStateException e) {
          throw new IllegalStateException("sending_queue::storage: " + e.getMessage(), e);
        }
        storage = extension.client(ComponentKind.EXPORTER, settings.id(), STORAGE_CLIENT, true);
        maxSeq = load(storage, loaded);
      } catch (Exception e) {
        if (storage != null) {
          storage.close();
        }
        sender.shutdown();
        throw e;
      }
    }
    synchronized (lock) {
      state = State.RUNNING;
      nextSeq = maxSeq + 1;
      queue.addAll(loaded);
      reserved += loaded.size();
    }
    if (queueConfig.enabled()) {
      settings.telemetry().gauge("otelcol_exporter_queue_capacity", "exporter", id, queueConfig::queueSize);
      settings.telemetry().gauge("otelcol_exporter_queue_size", "exporter", id, this::queueSize);
    }
    if (!loaded.isEmpty()) {
      log.info("Exporter \"{}\" found {} batches in its persistent queue; sending them first", id, loaded.size());
    }
    dispatch();
  }

  /** Reads every stored batch in key order; returns the highest sequence number, or -1. */
  private long load(StorageClient client, List<Item> out) throws java.io.IOException {
    long maxSeq = -1;
    for (String key : client.keys()) {
      long seq;
      try {
        seq = Long.parseLong(key);
      } catch (NumberFormatException e) {
        log.warn("Exporter \"{}\": ignoring \"{}\" in its persistent queue (expected: a batch number)", id, key);
        continue;
      }
      maxSeq = Math.max(maxSeq, seq);
      byte[] bytes = client.get(key);
      if (bytes == null) {
        continue;
      }
      try {
        out.add(new Item(decode(bytes), key));
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        log.error("Exporter \"{}\": batch {} of its persistent queue cannot be decoded and is dropped: {}",
            id, key, e.getMessage());
        client.delete(key);
      }
    }
    return maxSeq;
  }

  /**
   * A stored batch: OTLP's {@code TracesData}, with the tenant (if any) in field
   * {@value #TENANT_FIELD}, which OTLP readers skip as unknown.
   */
  static byte[] encode(Traces traces) {
    TracesData.Builder b = TracesData.newBuilder().addAllResourceSpans(traces.resourceSpans());
    if (!traces.tenant().isEmpty()) {
      b.setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
          .addField(TENANT_FIELD, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
              .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8(traces.tenant())).build())
          .build());
    }
    return b.build().toByteArray();
  }

  static Traces decode(byte[] bytes) throws InvalidProtocolBufferException {
    TracesData data = TracesData.parseFrom(bytes);
    com.google.protobuf.UnknownFieldSet.Field tenant = data.getUnknownFields().getField(TENANT_FIELD);
    Traces traces = Traces.of(data.getResourceSpansList());
    return tenant.getLengthDelimitedList().isEmpty() ? traces
        : traces.withTenant(tenant.getLengthDelimitedList().get(0).toStringUtf8());
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    if (traces.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return queueConfig.enabled() ? enqueue(traces) : sendNow(traces);
  }

  private CompletableFuture<Void> sendNow(Traces traces) {
    synchronized (lock) {
      if (state != State.RUNNING) {
        return CompletableFuture.failedFuture(notRunning());
      }
      inFlight++;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    new Delivery(traces).start().whenComplete((o, t) -> {
      try {
        settle(traces.spanCount(), o, false);
      } finally {
        finished();
      }
      if (o.status() == Status.SENT) {
        done.complete(null);
      } else {
        done.completeExceptionally(o.error());
      }
    });
    return done;
  }

  private CompletableFuture<Void> enqueue(Traces traces) {
    long seq;
    synchronized (lock) {
      if (state != State.RUNNING) {
        return CompletableFuture.failedFuture(notRunning());
      }
      if (reserved >= queueConfig.queueSize()) {
        count("otelcol_exporter_enqueue_failed_spans", traces.spanCount());
        return CompletableFuture.failedFuture(PipelineException.overCapacity("the sending queue of exporter \"" + id
            + "\" is full (" + queueConfig.queueSize() + " batches, its sending_queue::queue_size)"));
      }
      reserved++;
      seq = nextSeq++;
    }
    String key = null;
    StorageClient disk = storage;
    if (disk != null) {
      key = String.format("%020d", seq);
      try {
        disk.set(key, encode(traces));
      } catch (Exception e) {
        synchronized (lock) {
          reserved--;
          lock.notifyAll();
        }
        count("otelcol_exporter_enqueue_failed_spans", traces.spanCount());
        return CompletableFuture.failedFuture(PipelineException.retryable("exporter \"" + id
            + "\" cannot write the batch to its persistent queue: " + e.getMessage(), e));
      }
    }
    synchronized (lock) {
      if (state != State.RUNNING && disk != null) {
        // Shutdown began while the batch was written: it is safe on disk and goes out after a restart.
        reserved--;
        lock.notifyAll();
        return CompletableFuture.completedFuture(null);
      }
      if (state == State.STOPPED) {
        reserved--;
        count("otelcol_exporter_enqueue_failed_spans", traces.spanCount());
        return CompletableFuture.failedFuture(notRunning());
      }
      queue.add(new Item(traces, key));
    }
    dispatch();
    return CompletableFuture.completedFuture(null);
  }

  /** Starts sending queued batches while fewer than {@code num_consumers} are in flight. */
  private void dispatch() {
    List<Item> taken = new ArrayList<>();
    synchronized (lock) {
      boolean may = state == State.RUNNING || (state == State.STOPPING && !persistent());
      while (may && inFlight < queueConfig.numConsumers() && !queue.isEmpty()) {
        taken.add(queue.poll());
        reserved--;
        inFlight++;
      }
    }
    for (Item item : taken) {
      scheduler.execute(() -> new Delivery(item.traces()).start().whenComplete((o, t) -> {
        try {
          settle(item.traces().spanCount(), o, true);
          if (item.key() != null && o.status() != Status.LEFT_ON_DISK) {
            forget(item.key());
          }
        } finally {
          finished();
        }
        dispatch();
      }));
    }
  }

  private void finished() {
    synchronized (lock) {
      inFlight--;
      lock.notifyAll();
    }
  }

  private void forget(String key) {
    StorageClient disk = storage;
    try {
      if (disk != null) {
        disk.delete(key);
      }
    } catch (Exception e) {
      log.warn("Exporter \"{}\": batch {} stays in its persistent queue and will be sent again after a restart: {}",
          id, key, e.getMessage());
    }
  }

  /** Counts and logs a batch's outcome. */
  private void settle(int spans, Outcome o, boolean queued) {
    switch (o.status()) {
      case SENT:
        count("otelcol_exporter_sent_spans", spans - o.rejected());
        count("otelcol_exporter_send_failed_spans", o.rejected());
        break;
      case FAILED:
        count("otelcol_exporter_send_failed_spans", spans);
        log.error("Exporter \"{}\": exporting failed{}. {} data: {} spans: {}", id, o.why(),
            queued ? "Dropping" : "Rejecting", spans, o.error().getMessage());
        break;
      default:
        log.debug("Exporter \"{}\": {} spans stay in the persistent queue until the next start", id, spans);
    }
  }

  @Override
  public void shutdown() {
    List<Delivery> retries;
    synchronized (lock) {
      if (state == State.NEW) {
        state = State.STOPPED;
        return;
      }
      if (state != State.RUNNING) {
        return;
      }
      state = State.STOPPING;
      retries = new ArrayList<>(waitingToRetry);
      if (persistent() && !queue.isEmpty()) {
        // Each is on disk already; the next start sends them.
        reserved -= queue.size();
        queue.clear();
      }
    }
    retries.forEach(d -> d.stopWaiting(false));
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    List<Item> dropped = new ArrayList<>();
    synchronized (lock) {
      while ((reserved > 0 || inFlight > 0) && deadline - System.nanoTime() > 0) {
        try {
          lock.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      state = State.STOPPED;
      dropped.addAll(queue);
      reserved -= queue.size();
      queue.clear();
      retries = new ArrayList<>(waitingToRetry);
    }
    if (!dropped.isEmpty()) {
      int spans = dropped.stream().mapToInt(i -> i.traces().spanCount()).sum();
      count("otelcol_exporter_send_failed_spans", spans);
      log.error("Exporter \"{}\": shutdown: {} batches ({} spans) were not sent within {} and are dropped",
          id, dropped.size(), spans, GoDuration.format(drainTimeout));
    }
    retries.forEach(d -> d.stopWaiting(true));
    settings.telemetry().removeGauge("otelcol_exporter_queue_capacity", "exporter", id);
    settings.telemetry().removeGauge("otelcol_exporter_queue_size", "exporter", id);
    try {
      sender.shutdown();
    } finally {
      StorageClient disk = storage;
      if (disk != null) {
        disk.close();
      }
      scheduler.close();
    }
  }

  private PipelineException notRunning() {
    return PipelineException.retryable("exporter \"" + id + "\" is "
        + (state == State.NEW ? "not started" : "shutting down"), null);
  }

  private void count(String metric, long delta) {
    if (delta != 0) {
      settings.telemetry().add(metric, "exporter", id, delta);
    }
  }

  private long queueSize() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** One batch on its way: attempts, the backoff between them, and the outcome. */
  private final class Delivery {
    private final Traces traces;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private @Nullable Backoff backoff;
    @Nullable private Scheduler.Cancellable timer;

    Delivery(Traces traces) {
      this.traces = traces;
    }

    CompletableFuture<Outcome> start() {
      backoff = new Backoff(retry, random, scheduler.nanoTime());
      attempt();
      return outcome;
    }

    private void attempt() {
      CompletableFuture<Long> f;
      try {
        f = sender.sendReportingRejected(traces);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete(this::attempted);
    }

    private void attempted(@Nullable Long rejected, @Nullable Throwable t) {
      if (t == null) {
        outcome.complete(new Outcome(Status.SENT, rejected == null ? 0 : rejected, null, ""));
        return;
      }
      PipelineException e = PipelineException.classify(t);
      if (!e.isRetryable()) {
        fail(e, " with a permanent error");
        return;
      }
      if (!retry.enabled()) {
        fail(e, " and retry_on_failure is disabled");
        return;
      }
      long delay;
      synchronized (lock) {
        boolean stopping = state == State.STOPPING || state == State.STOPPED;
        delay = stopping ? -2 : backoff.next(scheduler.nanoTime());
        if (delay >= 0) {
          delay = Math.max(delay, e.retryAfter().toNanos());
          waitingToRetry.add(this);
          timer = scheduler.schedule(this::retryNow, delay);
        }
      }
      if (delay == -2) {
        if (persistent()) {
          outcome.complete(new Outcome(Status.LEFT_ON_DISK, 0, e, ""));
        } else {
          fail(e, " during shutdown");
        }
      } else if (delay < 0) {
        fail(e, " and no retries are left (retry_on_failure::max_elapsed_time: "
            + GoDuration.format(retry.maxElapsedTime()) + ")");
      } else {
        log.info("Exporter \"{}\": exporting failed, will retry in {}: {}", id,
            GoDuration.format(Duration.ofMillis(delay / 1_000_000)), e.getMessage());
      }
    }

    private void retryNow() {
      synchronized (lock) {
        if (!waitingToRetry.remove(this)) {
          return; // shutdown took it over
        }
        timer = null;
      }
      attempt();
    }

    /**
     * Takes the batch out of its backoff at shutdown. While draining ({@code giveUp} false) an
     * in-memory batch gets one last attempt at once; otherwise it is dropped. A persistent queue's
     * batch stays on disk either way.
     */
    void stopWaiting(boolean giveUp) {
      synchronized (lock) {
        if (!waitingToRetry.contains(this)) {
          return;
        }
        if (timer != null && !timer.cancel()) {
          return; // the retry has started; retryNow takes it from here
        }
        waitingToRetry.remove(this);
        timer = null;
      }
      if (persistent()) {
        outcome.complete(new Outcome(Status.LEFT_ON_DISK, 0, null, ""));
      } else if (giveUp) {
        fail(notRunning(), " during shutdown");
      } else {
        scheduler.execute(this::attempt);
      }
    }

    private void fail(PipelineException e, String why) {
      outcome.complete(new Outcome(Status.FAILED, 0, e, why));
    }
  }
}
