package dev.skein.exporterhelper;

import dev.skein.model.Traces;
import dev.skein.pipeline.PipelineException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The helper's collaborator, played from a script: each attempt takes the next scripted answer, and
 * when the script is empty the default one. An answer is a failure, a number of rejected spans, or
 * {@link #HOLD}: a future the test completes itself.
 */
final class ScriptedSender implements TracesSender {
  static final Object HOLD = new Object();

  private final Deque<Object> script = new ArrayDeque<>();
  private final List<Traces> attempts = new ArrayList<>();
  private final List<Traces> delivered = new ArrayList<>();
  private final LinkedBlockingQueue<CompletableFuture<Long>> held = new LinkedBlockingQueue<>();
  private Object otherwise = 0L;
  private boolean started;
  private boolean shutDown;

  static PipelineException unavailable() {
    return new PipelineException(PipelineException.Kind.RETRYABLE, "UNAVAILABLE: the destination is down",
        Duration.ZERO, null);
  }

  synchronized ScriptedSender then(Object answer) {
    script.add(answer);
    return this;
  }

  synchronized ScriptedSender then(int times, Object answer) {
    for (int i = 0; i < times; i++) {
      script.add(answer);
    }
    return this;
  }

  synchronized ScriptedSender otherwise(Object answer) {
    otherwise = answer;
    return this;
  }

  @Override
  public CompletableFuture<Void> send(Traces traces) {
    return sendReportingRejected(traces).thenApply(n -> null);
  }

  @Override
  public CompletableFuture<Long> sendReportingRejected(Traces traces) {
    Object answer;
    synchronized (this) {
      attempts.add(traces);
      answer = script.isEmpty() ? otherwise : script.poll();
    }
    if (answer == HOLD) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      f.thenRun(() -> delivered(traces));
      held.add(f);
      return f;
    }
    if (answer instanceof RuntimeException) {
      return CompletableFuture.failedFuture((RuntimeException) answer);
    }
    delivered(traces);
    return CompletableFuture.completedFuture((Long) answer);
  }

  private synchronized void delivered(Traces traces) {
    delivered.add(traces);
  }

  /** Waits (boundedly) for the next held attempt. */
  CompletableFuture<Long> nextHeld() throws InterruptedException {
    CompletableFuture<Long> f = held.poll(30, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("no attempt was held within 30 s");
    }
    return f;
  }

  synchronized List<Traces> attempts() {
    return new ArrayList<>(attempts);
  }

  /** The batches whose attempt succeeded, in order. */
  synchronized List<Traces> delivered() {
    return new ArrayList<>(delivered);
  }

  @Override
  public synchronized void start(dev.skein.pipeline.Host host) {
    started = true;
  }

  @Override
  public synchronized void shutdown() {
    shutDown = true;
  }

  synchronized boolean started() {
    return started;
  }

  synchronized boolean shutDown() {
    return shutDown;
  }
}
