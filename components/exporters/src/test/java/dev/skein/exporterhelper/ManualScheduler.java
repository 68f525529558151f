package dev.skein.exporterhelper;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A scheduler whose clock moves only when the test says so. Tasks given to {@link #execute} run at
 * once on the calling thread (queued behind the task running, if any, so that nothing recurses);
 * delayed tasks run when {@link #runNextTimer()} moves the clock to them.
 */
final class ManualScheduler implements Scheduler {
  private record Timer(long due, long seq, Runnable task) {}

  private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) ->
      a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private final List<Long> delays = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long seq;
  private boolean running;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      ready.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    while (true) {
      Runnable next;
      synchronized (this) {
        next = ready.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      next.run();
    }
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Timer t = new Timer(now + delayNanos, seq++, task);
    timers.add(t);
    delays.add(delayNanos);
    return () -> {
      synchronized (this) {
        return timers.remove(t);
      }
    };
  }

  /** Moves the clock to the earliest timer and runs it; returns false when there is none. */
  boolean runNextTimer() {
    Timer t;
    synchronized (this) {
      t = timers.poll();
      if (t == null) {
        return false;
      }
      now = Math.max(now, t.due);
    }
    execute(t.task);
    return true;
  }

  /** Every delay asked for, in nanoseconds, in order. */
  synchronized List<Long> delays() {
    return new ArrayList<>(delays);
  }

  synchronized int pendingTimers() {
    return timers.size();
  }

  @Override
  public void close() {}
}
