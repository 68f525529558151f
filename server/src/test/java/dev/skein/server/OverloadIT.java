package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overloads a real Skein process ({@code skein.jar}, configuration {@code overload-it.yaml}:
 * OTLP, {@code memory_limiter} before {@code batch}, the durable embedded store) and checks what a
 * user relies on when a backend is overloaded:
 *
 * <ol>
 *   <li>The process stays within its memory budget: the sum of what its configuration and JVM
 *       options allow, plus the JVM's own overhead. The JVM runs with {@code -Xmx}{@value #XMX_MIB}m
 *       and the limiter with {@code limit_mib: }{@value #LIMIT_MIB} (soft limit
 *       {@value #SOFT_LIMIT_MIB} MiB); the limiter measures the heap outside eden and the direct buffers in use,
 *       and refuses data above its soft limit. The embedded store caps DuckDB's native memory at
 *       {@code memory_limit_mib: }{@value #DUCKDB_MIB}. The rest is the JVM's own (garbage
 *       collector, class metadata, JIT code, Netty's pooled buffers, thread stacks; about 200 MiB
 *       here, by Native Memory Tracking) and the native allocator's overhead, which together get
 *       {@value #OVERHEAD_MIB} MiB. The asserted limit is therefore the peak resident set size
 *       (VmRSS sampled every 50 ms, and the kernel's VmHWM) at most {@code -Xmx} +
 *       {@code memory_limit_mib} + {@value #OVERHEAD_MIB} MiB = {@value #RSS_LIMIT_MIB} MiB.</li>
 *   <li>Every refusal is retryable as the OTLP specification says (see {@link OverloadClient}):
 *       gRPC UNAVAILABLE, or RESOURCE_EXHAUSTED with RetryInfo; HTTP 429 or 503 with Retry-After.
 *       No INTERNAL, UNKNOWN or 500. Requests that get no answer at all are retried and counted.</li>
 *   <li>Once the load stops, the clients' retries deliver everything: every trace sent is read back
 *       through {@code /api/traces/{id}} with all its distinct spans.</li>
 * </ol>
 *
 * <p>The load: first the sustainable rate is measured with {@value #MEASURE_CLIENTS} closed-loop
 * clients for {@link #MEASURE}; then three times that rate is offered, open-loop, for
 * {@code -Dskein.overload.seconds} (default 60), half over OTLP/gRPC and half over OTLP/HTTP. A
 * summary line starting with {@code OverloadIT:} goes to stdout.
 */
class OverloadIT {
  static final int XMX_MIB = 256;
  /** As in overload-it.yaml. */
  static final int LIMIT_MIB = 160;
  static final int SOFT_LIMIT_MIB = 120;
  /** As in overload-it.yaml: the embedded store's {@code memory_limit_mib}. */
  static final int DUCKDB_MIB = 128;
  static final int OVERHEAD_MIB = 448;
  static final int RSS_LIMIT_MIB = XMX_MIB + DUCKDB_MIB + OVERHEAD_MIB;
  static final int SPANS_PER_REQUEST = 250;
  /**
   * Enough closed-loop clients to keep the writer busy: each waits for its batch to be committed
   * (up to the batch processor's timeout), so with 16 the rate measured was the latency's, about
   * a third of what the store can take, and three times it was not always an overload.
   */
  static final int MEASURE_CLIENTS = 64;
  static final Duration MEASURE = Duration.ofSeconds(10);
  /** Requests the clients keep open at most; beyond it the offered rate would be the client's limit. */
  static final int MAX_IN_FLIGHT = 1000;

  @TempDir
  Path data;

  @Test
  void overloadIsRefusedRetryablyWithinTheMemoryLimitAndEverythingIsDeliveredAfter() throws Exception {
    Duration overload = Duration.ofSeconds(Long.getLong("skein.overload.seconds", 60));
    Path config = data.resolve("overload-it.yaml");
    try (var in = OverloadIT.class.getResourceAsStream("/overload-it.yaml")) {
      Files.write(config, in.readAllBytes());
    }
    SkeinProcess p = SkeinProcess.start(data.resolve("store"), "overload-it.log",
        List.of("-Xmx" + XMX_MIB + "m"), List.of("run", "--config", config.toString()), TestServer.freePort());
    RssSampler rss = new RssSampler(p.pid());
    rss.start();
    OverloadClient client = new OverloadClient(p.grpcPort, p.httpPort, 4, SPANS_PER_REQUEST);
    try {
      // 1. The sustainable rate: closed loop, each client sends its next request once the last is acknowledged.
      AtomicBoolean measuring = new AtomicBoolean(true);
      for (int i = 0; i < MEASURE_CLIENTS; i++) {
        closedLoop(client, measuring);
      }
      Thread.sleep(2000);
      long a0 = client.ackedSpans.get();
      Thread.sleep(MEASURE.toMillis());
      double sustainable = (client.ackedSpans.get() - a0) / (double) MEASURE.toSeconds();
      measuring.set(false);
      awaitQuiet(client, Duration.ofMinutes(2));

      // 2. Three times that, open loop.
      double offeredRate = 3 * sustainable;
      long acked0 = client.ackedSpans.get();
      long offered0 = client.offeredSpans();
      long refused0 = client.refusals.get();
      long t0 = System.nanoTime();
      long end = t0 + overload.toNanos();
      long issued = 0;
      long capped = 0;
      while (System.nanoTime() < end) {
        double due = offeredRate * (System.nanoTime() - t0) / 1e9 / SPANS_PER_REQUEST;
        while (issued < due) {
          if (client.inFlight.get() + client.waitingToRetry.get() >= MAX_IN_FLIGHT) {
            capped++;
          } else {
            client.sendNew(() -> {});
          }
          issued++;
        }
        Thread.sleep(10);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long offeredSpans = client.offeredSpans() - offered0;
      long acceptedDuring = client.ackedSpans.get() - acked0;
      long refusedDuring = client.refusals.get() - refused0;

      // 3. The load stops; retries drain.
      awaitQuiet(client, Duration.ofMinutes(3));
      long peakDuringLoad = rss.peakKib();

      List<OverloadClient.Batch> batches = client.batches();
      long[] readBack = readBack(p, batches);
      String summary = String.format("sustainable %.0f spans/s (%d closed-loop clients); "
          + "offered %.0f spans/s for %.0f s "
          + "(%d requests of %d spans, %d skipped at the client's cap of %d open requests); accepted during overload "
          + "%.0f spans/s; refusals during overload %d; answers %s; violations %d; peak RSS %d MiB (limit %d MiB: "
          + "-Xmx%dm + DuckDB %d MiB + %d MiB; memory_limiter limit_mib %d); sent %d spans, stored %d distinct, "
          + "%d traces incomplete; first violations %s",
          sustainable, MEASURE_CLIENTS, offeredSpans / seconds, seconds, offeredSpans / SPANS_PER_REQUEST,
          SPANS_PER_REQUEST, capped, MAX_IN_FLIGHT, acceptedDuring / seconds, refusedDuring,
          new TreeMap<>(client.answers), client.violations.size(), peakDuringLoad / 1024, RSS_LIMIT_MIB, XMX_MIB,
          DUCKDB_MIB, OVERHEAD_MIB, LIMIT_MIB, (long) batches.size() * SPANS_PER_REQUEST, readBack[0], readBack[1],
          client.violations.stream().limit(3).toList());
      System.out.println("OverloadIT: " + summary);

      assertThat(client.violations).as("answers the OTLP specification does not allow for throttling; " + summary)
          .isEmpty();
      assertThat(peakDuringLoad / 1024).as("peak resident set size in MiB; " + summary)
          .isLessThanOrEqualTo(RSS_LIMIT_MIB);
      assertThat(refusedDuring).as("requests refused while three times the sustainable rate was offered; "
          + summary).isPositive();
      assertThat(batches).allSatisfy(b -> assertThat(b.acked).as("trace %s acknowledged", b.traceIdHex()).isTrue());
      assertThat(readBack[0]).as("distinct spans stored; " + summary)
          .isEqualTo((long) batches.size() * SPANS_PER_REQUEST);
    } finally {
      client.close();
      rss.stop();
      p.kill();
    }
  }

  private static void closedLoop(OverloadClient client, AtomicBoolean running) {
    client.sendNew(() -> {
      if (running.get()) {
        closedLoop(client, running);
      }
    });
  }

  /** Waits until no request is open or waiting to be retried. */
  private static void awaitQuiet(OverloadClient client, Duration deadline) throws InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    while ((client.inFlight.get() > 0 || client.waitingToRetry.get() > 0) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertThat(client.inFlight.get() + client.waitingToRetry.get())
        .as("requests still open or waiting to retry after %s; open: %s; answers so far: %s", deadline,
            client.open.stream().limit(5).map(b -> (b.grpc ? "gRPC " : "HTTP ") + b.traceIdHex()).toList(),
            new TreeMap<>(client.answers)).isZero();
  }

  /** Reads every trace back; returns the distinct spans found and the traces with fewer spans than sent. */
  private static long[] readBack(SkeinProcess p, List<OverloadClient.Batch> batches) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicLong distinct = new AtomicLong();
    AtomicLong incomplete = new AtomicLong();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (OverloadClient.Batch b : batches) {
        futures.add(pool.submit(() -> {
          HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + p.queryPort + "/api/traces/" + b.traceIdHex())).build(),
              HttpResponse.BodyHandlers.ofString());
          Set<String> spans = new HashSet<>();
          if (r.statusCode() == 200) {
            for (JsonNode trace : TestServer.JSON.readTree(r.body()).path("data")) {
              for (JsonNode span : trace.path("spans")) {
                spans.add(span.path("spanID").asText());
              }
            }
          }
          distinct.addAndGet(spans.size());
          if (spans.size() < b.spans) {
            incomplete.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new long[] {distinct.get(), incomplete.get()};
  }

  /**
   * Samples a process's VmRSS and VmHWM (the kernel's own peak of it) from {@code /proc/<pid>/status}
   * every 50 ms and keeps the highest.
   */
  static final class RssSampler {
    private final Path status;
    private final AtomicLong peakKib = new AtomicLong();
    private final Thread thread;

    RssSampler(long pid) {
      this.status = Path.of("/proc", Long.toString(pid), "status");
      this.thread = new Thread(this::run, "rss-sampler");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void stop() {
      thread.interrupt();
    }

    long peakKib() {
      return peakKib.get();
    }

    private void run() {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
              long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
              peakKib.accumulateAndGet(kib, Math::max);
            }
          }
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        } catch (java.io.IOException gone) {
          return;
        }
      }
    }
  }
}
