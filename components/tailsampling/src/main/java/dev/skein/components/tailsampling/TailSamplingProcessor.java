package dev.skein.components.tailsampling;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesProcessor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers spans per trace and, {@code decision_wait} after a trace's first span, evaluates the
 * policies and sends the trace downstream or drops it.
 *
 * <p>A caller's future completes as soon as its spans are buffered, as in the Collector, because
 * receivers acknowledge clients when it completes and a client must not wait {@code decision_wait}
 * per export. Buffered spans are therefore not durable until they are decided: a crash loses them.
 * Spans that can be released at once (late spans of a trace already sampled) are sent before the
 * future completes, and it completes with the downstream outcome.
 *
 * <p>Decisions run on one scheduler thread; {@link #consume} is thread-safe. At most
 * {@code num_traces} traces are held, decided ones included; beyond that the oldest is evicted, and
 * an evicted undecided trace is lost and counted. A decided trace stays known until it is evicted
 * (or moved to a decision cache), so its late spans follow its decision.
 */
final class TailSamplingProcessor implements TracesProcessor {
  static final String METRIC_PREFIX = "otelcol_processor_tail_sampling_";
  /** Sampled traces decided together are sent in batches of whole traces of about this many spans. */
  static final int RELEASE_BATCH_SPANS = 8192;

  private static final Logger log = LoggerFactory.getLogger(TailSamplingProcessor.class);

  private enum Status { PENDING, DECIDING, SAMPLED, NOT_SAMPLED, EVICTED }

  /** What is known about one trace. Guarded by {@link #lock}. */
  private static final class TraceState {
    final ByteString id;
    final long deadline;
    Status status = Status.PENDING;
    List<Traces> pieces = new ArrayList<>(2);

    TraceState(ByteString id, long deadline) {
      this.id = id;
      this.deadline = deadline;
    }
  }

  private final String id;
  private final TracesConsumer next;
  private final Telemetry telemetry;
  private final LongSupplier nanoClock;
  private final long waitNanos;
  private final long tickNanos;
  private final int numTraces;
  private final boolean dropPendingOnShutdown;
  private final Sampler sampler;

  private final Object lock = new Object();
  /** Held while deciding, so that the timer and shutdown never evaluate policies at once. */
  private final Object decideLock = new Object();
  private final LinkedHashMap<ByteString, TraceState> traces;
  private final ArrayDeque<TraceState> byDeadline;
  private final DecisionCache sampledCache;
  private final DecisionCache notSampledCache;
  private final Set<CompletableFuture<Void>> inFlight = new HashSet<>();
  private ScheduledExecutorService timer;
  private boolean shutDown;

  TailSamplingProcessor(CreateSettings settings, TailSamplingConfig config, TracesConsumer next, LongSupplier nanoClock) {
    this.id = settings.id().toString();
    this.next = next;
    this.telemetry = settings.telemetry();
    this.nanoClock = nanoClock;
    this.waitNanos = config.decisionWait.toNanos();
    this.tickNanos = Math.max(Duration.ofMillis(1).toNanos(), Math.min(Duration.ofSeconds(1).toNanos(), waitNanos / 10));
    this.numTraces = config.numTraces;
    this.dropPendingOnShutdown = config.dropPendingTracesOnShutdown;
    this.sampler = new Sampler(config.policies, config.sampleOnFirstMatch, nanoClock, telemetry);
    // Traces arriving within one decision_wait is what the table holds at steady state.
    long expected = Math.min(numTraces, config.expectedNewTracesPerSec * Math.max(1, config.decisionWait.toSeconds()));
    this.traces = new LinkedHashMap<>((int) Math.max(16, Math.min(1 << 30, expected * 4 / 3 + 1)));
    this.byDeadline = new ArrayDeque<>((int) Math.max(16, expected));
    this.sampledCache = new DecisionCache(config.decisionCache.sampledCacheSize);
    this.notSampledCache = new DecisionCache(config.decisionCache.nonSampledCacheSize);
    telemetry.gauge(METRIC_PREFIX + "sampling_traces_on_memory", "processor", id, this::tracesInMemory);
  }

  /** Starts the decision timer. Idempotent; does nothing after shutdown. */
  @Override
  public void start(Host host) {
    synchronized (lock) {
      if (timer != null || shutDown) {
        return;
      }
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tail-sampling-" + id);
        t.setDaemon(true);
        return t;
      });
      timer.scheduleWithFixedDelay(this::tickSafely, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public CompletableFuture<Void> consume(Traces batch) {
    requireNonNull(batch, "batch");
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Map<ByteString, Traces> byTrace = Batches.byTrace(batch);
    List<Traces> releaseNow = new ArrayList<>();
    long newTraces = 0;
    long droppedTooEarly = 0;
    long earlySampledSpans = 0;
    long earlyNotSampledSpans = 0;
    synchronized (lock) {
      if (shutDown) {
        return CompletableFuture.failedFuture(
            PipelineException.retryable("the tail_sampling processor \"" + id + "\" is shutting down", null));
      }
      long now = nanoClock.getAsLong();
      for (Map.Entry<ByteString, Traces> e : byTrace.entrySet()) {
        ByteString traceId = e.getKey();
        Traces piece = e.getValue();
        if (sampledCache.contains(traceId)) {
          releaseNow.add(piece);
          earlySampledSpans += piece.spanCount();
          continue;
        }
        if (notSampledCache.contains(traceId)) {
          earlyNotSampledSpans += piece.spanCount();
          continue;
        }
        TraceState state = traces.get(traceId);
        if (state == null) {
          state = new TraceState(traceId, now + waitNanos);
          traces.put(traceId, state);
          byDeadline.addLast(state);
          newTraces++;
          droppedTooEarly += evictLocked();
        }
        switch (state.status) {
          case PENDING:
          case DECIDING:
            state.pieces.add(piece);
            break;
          case SAMPLED:
            releaseNow.add(piece);
            break;
          default:
            // Not sampled: late spans follow the decision.
            break;
        }
      }
    }
    count("new_trace_id_received", "processor", id, newTraces);
    count("sampling_trace_dropped_too_early", "processor", id, droppedTooEarly);
    count("early_releases_from_cache_decision", "sampled", "true", earlySampledSpans);
    count("early_releases_from_cache_decision", "sampled", "false", earlyNotSampledSpans);
    if (releaseNow.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<Traces> batches = Batches.mergeByTenant(releaseNow);
    CompletableFuture<?>[] sent = new CompletableFuture<?>[batches.size()];
    for (int i = 0; i < sent.length; i++) {
      sent[i] = send(batches.get(i));
    }
    return CompletableFuture.allOf(sent)
        .exceptionallyCompose(t -> CompletableFuture.failedFuture(PipelineException.classify(t)));
  }

  /** Evicts the oldest traces beyond {@code num_traces}; returns how many were still undecided. */
  private int evictLocked() {
    int lost = 0;
    Iterator<TraceState> it = traces.values().iterator();
    while (traces.size() > numTraces && it.hasNext()) {
      TraceState oldest = it.next();
      it.remove();
      // A trace being decided keeps its spans: the decision in progress releases them.
      if (oldest.status == Status.PENDING) {
        oldest.status = Status.EVICTED;
        oldest.pieces = List.of();
        lost++;
      }
    }
    return lost;
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      // The timer stops for good if a run throws; log and keep deciding.
      log.error("tail_sampling \"{}\": a decision run failed", id, e);
    }
  }

  /**
   * Decides every trace whose {@code decision_wait} has passed by the clock. The timer calls this;
   * tests with a manual clock call it directly.
   *
   * @return how many traces were decided
   */
  int tick() {
    synchronized (decideLock) {
      List<TraceState> due = new ArrayList<>();
      synchronized (lock) {
        long now = nanoClock.getAsLong();
        while (!byDeadline.isEmpty() && byDeadline.peekFirst().deadline - now <= 0) {
          TraceState s = byDeadline.pollFirst();
          if (s.status == Status.PENDING) {
            s.status = Status.DECIDING;
            due.add(s);
          }
        }
      }
      decide(due);
      return due.size();
    }
  }

  /** Evaluates the policies for {@code due} (all DECIDING) and releases or drops their spans. */
  private void decide(List<TraceState> due) {
    if (due.isEmpty()) {
      return;
    }
    List<TraceData> data = new ArrayList<>(due.size());
    synchronized (lock) {
      for (TraceState s : due) {
        data.add(TraceData.of(Batches.traceId(s.pieces.get(0)), s.pieces));
      }
    }
    boolean[] sampled = new boolean[due.size()];
    for (int i = 0; i < due.size(); i++) {
      sampled[i] = sampler.sample(data.get(i));
    }
    List<Traces> release = new ArrayList<>();
    long sampledCount = 0;
    synchronized (lock) {
      for (int i = 0; i < due.size(); i++) {
        TraceState s = due.get(i);
        // Spans that arrived while the policies ran belong to the same decision.
        if (sampled[i]) {
          release.addAll(s.pieces);
          sampledCount++;
        }
        s.pieces = List.of();
        s.status = sampled[i] ? Status.SAMPLED : Status.NOT_SAMPLED;
        DecisionCache cache = sampled[i] ? sampledCache : notSampledCache;
        if (cache.enabled()) {
          cache.add(s.id);
          // The cache now carries the decision, so the trace no longer counts against num_traces.
          if (traces.get(s.id) == s) {
            traces.remove(s.id);
          }
        }
      }
    }
    count("global_count_traces_sampled", "sampled", "true", sampledCount);
    count("global_count_traces_sampled", "sampled", "false", due.size() - sampledCount);
    sendInBatches(release);
  }

  private void sendInBatches(List<Traces> pieces) {
    List<Traces> batch = new ArrayList<>();
    int spans = 0;
    for (Traces piece : pieces) {
      batch.add(piece);
      spans += piece.spanCount();
      if (spans >= RELEASE_BATCH_SPANS) {
        sendDecided(batch);
        batch = new ArrayList<>();
        spans = 0;
      }
    }
    if (!batch.isEmpty()) {
      sendDecided(batch);
    }
  }

  private void sendDecided(List<Traces> pieces) {
    for (Traces batch : Batches.mergeByTenant(pieces)) {
      sendDecided(batch);
    }
  }

  private void sendDecided(Traces batch) {
    send(batch).whenComplete((v, t) -> {
      if (t != null) {
        // Clients were acknowledged at buffering time; nobody is left to retry these spans.
        log.warn("tail_sampling \"{}\": {} sampled spans were not accepted downstream: {}", id, batch.spanCount(),
            PipelineException.classify(t).getMessage());
      }
    });
  }

  private CompletableFuture<Void> send(Traces batch) {
    CompletableFuture<Void> f;
    try {
      f = next.consume(batch);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> tracked = f;
    synchronized (lock) {
      inFlight.add(tracked);
    }
    tracked.whenComplete((v, t) -> {
      synchronized (lock) {
        inFlight.remove(tracked);
      }
    });
    return tracked;
  }

  private void count(String metric, String label, String value, long delta) {
    if (delta > 0) {
      telemetry.add(METRIC_PREFIX + metric, label, value, delta);
    }
  }

  /**
   * Stops the timer, decides every undecided trace now on the spans received so far (or drops them
   * with {@code drop_pending_traces_on_shutdown}), sends the sampled ones, and waits up to a minute
   * for everything sent downstream. Idempotent and safe without {@link #start}.
   */
  @Override
  public void shutdown() {
    ScheduledExecutorService t;
    synchronized (lock) {
      if (shutDown) {
        return;
      }
      shutDown = true;
      t = timer;
    }
    if (t != null) {
      t.shutdown();
    }
    int dropped = 0;
    synchronized (decideLock) {
      List<TraceState> pending = new ArrayList<>();
      synchronized (lock) {
        for (TraceState s : byDeadline) {
          if (s.status == Status.PENDING) {
            s.status = Status.DECIDING;
            pending.add(s);
          }
        }
        byDeadline.clear();
        if (dropPendingOnShutdown) {
          for (TraceState s : pending) {
            s.pieces = List.of();
            s.status = Status.NOT_SAMPLED;
          }
          dropped = pending.size();
          pending.clear();
        }
      }
      decide(pending);
    }
    if (dropped > 0) {
      log.info("tail_sampling \"{}\": dropped {} undecided traces on shutdown", id, dropped);
    }
    List<CompletableFuture<Void>> waiting;
    synchronized (lock) {
      waiting = new ArrayList<>(inFlight);
    }
    try {
      CompletableFuture.allOf(waiting.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      // Failures were already logged or returned to their callers; shutdown only waits.
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    if (t != null) {
      t.shutdownNow();
    }
    telemetry.removeGauge(METRIC_PREFIX + "sampling_traces_on_memory", "processor", id);
  }

  /** The number of traces held: undecided, or decided and remembered for their late spans. */
  int tracesInMemory() {
    synchronized (lock) {
      return traces.size();
    }
  }
}
