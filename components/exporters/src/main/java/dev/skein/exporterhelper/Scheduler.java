package dev.skein.exporterhelper;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the helper runs sends and waits out backoff delays. It is an interface so that tests can
 * drive retries with a clock of their own instead of waiting.
 */
interface Scheduler {
  /** The current time in nanoseconds, for measuring how long a batch has been retried. */
  long nanoTime();

  /** Runs {@code task} soon, on another thread. */
  void execute(Runnable task);

  /** Runs {@code task} after {@code delayNanos}; the returned handle cancels it. */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Stops the threads; tasks not yet run are discarded. */
  void close();

  /** A scheduled task. */
  interface Cancellable {
    /** Returns true when the task had not started and now never will. */
    boolean cancel();
  }

  /** The real clock: a timer thread, and a pool that grows to as many senders as are busy. */
  static Scheduler system(String name) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(threads);
    ExecutorService workers = Executors.newCachedThreadPool(threads);
    return new Scheduler() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void execute(Runnable task) {
        workers.execute(task);
      }

      @Override
      public Cancellable schedule(Runnable task, long delayNanos) {
        ScheduledFuture<?> f = timer.schedule(() -> workers.execute(task), delayNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public void close() {
        timer.shutdownNow();
        workers.shutdown();
      }
    };
  }
}
