package dev.skein.components.exporters.testing;

import dev.skein.model.Traces;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline behind a test's OTLP receiver: keeps every batch it accepts, and refuses a share of
 * them with a failure of the test's choice (decided by a seeded random, so runs repeat).
 */
public final class CapturingConsumer implements TracesConsumer {
  private final List<Traces> received = new ArrayList<>();
  private final Random random = new Random(42);
  private final double failureRate;
  private final PipelineException failure;
  private int calls;

  public CapturingConsumer() {
    this(0, PipelineException.permanent("unused", null));
  }

  public CapturingConsumer(double failureRate, PipelineException failure) {
    this.failureRate = failureRate;
    this.failure = failure;
  }

  @Override
  public synchronized CompletableFuture<Void> consume(Traces traces) {
    calls++;
    if (failureRate > 0 && random.nextDouble() < failureRate) {
      return CompletableFuture.failedFuture(failure);
    }
    received.add(traces);
    notifyAll();
    return CompletableFuture.completedFuture(null);
  }

  public synchronized List<Traces> received() {
    return new ArrayList<>(received);
  }

  public synchronized int calls() {
    return calls;
  }

  public synchronized int spans() {
    return received.stream().mapToInt(Traces::spanCount).sum();
  }

  /** Waits until at least {@code spans} spans arrived, or {@code limit} passed; returns the count. */
  public synchronized int awaitSpans(int spans, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (spans() < spans && deadline - System.nanoTime() > 0) {
      wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    return spans();
  }
}
