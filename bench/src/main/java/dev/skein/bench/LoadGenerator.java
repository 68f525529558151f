package dev.skein.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Closed-loop clients: each sends one request, waits for its acknowledgement, and sends the next,
 * optionally paced so that all of them together send a given number of spans per second. A
 * request refused as retryable is retried after a backoff (100 ms, doubling, at most 2 s) up to
 * {@code maxAttempts} attempts in all; its latency is measured from the first attempt to the
 * final answer, as the client experiences it.
 *
 * <p>A run is a warm-up followed by a measurement window; only requests answered inside the
 * window count toward the rates and latencies, so that the JIT, the connection set-up and the
 * first group commits do not.
 */
final class LoadGenerator {
  /** How a run is shaped. {@code spansPerSecond} of 0 means as fast as the server answers. */
  record Options(int clients, Duration warmup, Duration measure, double spansPerSecond, int maxAttempts) {}

  /** Receives every request the server acknowledged, from the client threads. */
  interface Listener {
    void acknowledged(Workload.Request request);
  }

  /** Called at the start and at the end of the measurement window. */
  interface Window {
    void started();

    void ended();
  }

  /** What one run measured. Latencies are in nanoseconds, sorted. */
  record Result(String label, int clients, double seconds, long acceptedSpans, long rejectedSpans,
      long retriedRequests, long failedRequests, long requests, long[] latencies,
      long totalAcceptedSpans, String lastError) {
    double spansPerSecond() {
      return acceptedSpans / seconds;
    }

    double p50Millis() {
      return latencies.length == 0 ? Double.NaN : Stats.millis(Stats.percentile(latencies, 50));
    }

    double p99Millis() {
      return latencies.length == 0 ? Double.NaN : Stats.millis(Stats.percentile(latencies, 99));
    }
  }

  private static final Window NO_WINDOW = new Window() {
    @Override
    public void started() {}

    @Override
    public void ended() {}
  };

  private final Workload workload;
  private final IntFunction<Transport> transports;
  private final Options options;
  private final Listener listener;
  private volatile boolean stop;
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;
  private final AtomicLong nextSlot = new AtomicLong();
  private final AtomicLong acceptedSpans = new AtomicLong();
  private final AtomicLong rejectedSpans = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong totalAccepted = new AtomicLong();
  private volatile String lastError = "";

  private LoadGenerator(Workload workload, IntFunction<Transport> transports, Options options, Listener listener) {
    this.workload = workload;
    this.transports = transports;
    this.options = options;
    this.listener = listener;
  }

  /** Runs {@code options.clients()} clients, each with the transport made for its index. */
  static Result run(String label, Workload workload, IntFunction<Transport> transports, Options options,
      Window window, Listener listener) throws InterruptedException {
    return new LoadGenerator(workload, transports, options, listener).run(label, window);
  }

  static Result run(String label, Workload workload, IntFunction<Transport> transports, Options options)
      throws InterruptedException {
    return run(label, workload, transports, options, NO_WINDOW, r -> { });
  }

  /**
   * Sends {@code count} requests with {@code clients} clients, unpaced and without a window, and
   * returns when all are answered; for loading a data set.
   */
  static Result send(String label, Workload workload, IntFunction<Transport> transports, int clients, long count,
      Listener listener) throws InterruptedException {
    LoadGenerator g = new LoadGenerator(workload, transports,
        new Options(clients, Duration.ZERO, Duration.ZERO, 0, 8), listener);
    return g.runCount(label, count);
  }

  private Result run(String label, Window window) throws InterruptedException {
    List<Client> clients = startClients(Long.MAX_VALUE);
    Thread.sleep(options.warmup().toMillis());
    window.started();
    long start = System.nanoTime();
    windowStart = start;
    Thread.sleep(options.measure().toMillis());
    long end = System.nanoTime();
    windowEnd = end;
    window.ended();
    stop = true;
    return finish(label, clients, (end - start) / 1e9);
  }

  private Result runCount(String label, long count) throws InterruptedException {
    long start = System.nanoTime();
    windowStart = start;
    List<Client> clients = startClients(count);
    for (Client c : clients) {
      c.thread.join();
    }
    return finish(label, clients, (System.nanoTime() - start) / 1e9);
  }

  private List<Client> startClients(long requestBudget) {
    AtomicLong budget = new AtomicLong(requestBudget);
    nextSlot.set(System.nanoTime());
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < options.clients(); i++) {
      Client c = new Client(transports.apply(i), budget);
      c.thread = new Thread(c, "load-client-" + i);
      c.thread.setDaemon(true);
      clients.add(c);
    }
    clients.forEach(c -> c.thread.start());
    return clients;
  }

  private Result finish(String label, List<Client> clients, double seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    for (Client c : clients) {
      c.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      c.transport.close();
    }
    int n = 0;
    for (Client c : clients) {
      n += c.latencyCount;
    }
    long[] all = new long[n];
    int at = 0;
    for (Client c : clients) {
      System.arraycopy(c.latencies, 0, all, at, c.latencyCount);
      at += c.latencyCount;
    }
    Arrays.sort(all);
    return new Result(label, options.clients(), seconds, acceptedSpans.get(), rejectedSpans.get(), retried.get(),
        failed.get(), requests.get(), all, totalAccepted.get(), lastError);
  }

  private boolean inWindow(long t) {
    return t >= windowStart && t <= windowEnd;
  }

  private final class Client implements Runnable {
    final Transport transport;
    final AtomicLong budget;
    Thread thread;
    long[] latencies = new long[1024];
    int latencyCount;

    Client(Transport transport, AtomicLong budget) {
      this.transport = transport;
      this.budget = budget;
    }

    @Override
    public void run() {
      try {
        while (!stop && budget.getAndDecrement() > 0) {
          if (options.spansPerSecond() > 0 && !pace()) {
            return;
          }
          sendOne(workload.next());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        lastError = e.toString();
        failed.incrementAndGet();
      }
    }

    /** Waits for this client's next slot in the shared schedule; false if stopped meanwhile. */
    private boolean pace() throws InterruptedException {
      long interval = (long) (1e9 * workload.spansPerRequest() / options.spansPerSecond());
      long slot = nextSlot.getAndAdd(interval);
      while (!stop) {
        long wait = slot - System.nanoTime();
        if (wait <= 0) {
          return true;
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
      }
      return false;
    }

    private void sendOne(Workload.Request request) throws InterruptedException {
      long t0 = System.nanoTime();
      Transport.Outcome outcome;
      int attempt = 0;
      while (true) {
        attempt++;
        outcome = transport.send(request.body());
        if (outcome.kind() != Transport.Kind.RETRYABLE || attempt >= options.maxAttempts() || stop) {
          break;
        }
        if (inWindow(System.nanoTime())) {
          retried.incrementAndGet();
        }
        lastError = outcome.detail();
        Thread.sleep(Math.min(2000, 100L << Math.min(attempt - 1, 5)));
      }
      long t1 = System.nanoTime();
      boolean counted = inWindow(t1);
      if (outcome.kind() == Transport.Kind.ACCEPTED) {
        long accepted = request.spans() - outcome.rejectedSpans();
        totalAccepted.addAndGet(accepted);
        listener.acknowledged(request);
        if (counted) {
          acceptedSpans.addAndGet(accepted);
          rejectedSpans.addAndGet(outcome.rejectedSpans());
        }
      } else {
        lastError = outcome.detail();
        if (counted) {
          rejectedSpans.addAndGet(request.spans());
          failed.incrementAndGet();
        }
      }
      if (counted) {
        requests.incrementAndGet();
        if (latencyCount == latencies.length) {
          latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = t1 - t0;
      }
    }
  }
}
