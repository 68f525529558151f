package dev.skein.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.Hex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Skein killed with SIGKILL {@code kills} times at random moments while OTLP/gRPC clients stream
 * into it, restarted on the same data directory each time; then every trace any client tried to
 * send is read back through {@code /api/traces/{id}}. The server test {@code CrashRecoveryIT} runs
 * the same experiment with fewer kills and the OpenTelemetry Java SDK's exporter as the client;
 * here the clients are the benchmark's own {@link GrpcTransport}, one connection each.
 *
 * <p>A request is acknowledged when the server answered OK; every span of an acknowledged request
 * must be stored (Skein's durability contract). A request that failed or was in flight at the kill
 * is unacknowledged: its spans may or may not be stored. A span returned more than once by the
 * query API is a duplicate.
 */
final class CrashExperiment {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** One keep-alive connection per reading thread. */
  private static final ThreadLocal<Http> HTTP = ThreadLocal.withInitial(Http::new);
  /** The longest wait, once as many requests as clients have been acknowledged, before the kill. */
  private static final int MAX_KILL_DELAY_MS = 1500;

  /** What the read-back found. */
  record Result(long seed, int kills, int senders, long ackedRequests, long ackedSpans, long missingSpans,
      long duplicateSpans, long unackedSpans, long unackedStoredSpans, double meanRestartSeconds,
      String firstProblem) {}

  private record Sent(Workload.Request request, boolean acked) {}

  private CrashExperiment() {}

  static Result run(BenchContext ctx, int kills, int senders, long seed) throws Exception {
    Random random = new Random(seed);
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, seed, 8,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(),
        9L << 40);
    Path data = ctx.dir("crash-skein");
    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    double restartSeconds = 0;
    for (int kill = 0; kill < kills; kill++) {
      ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("crash-skein.log"));
      restartSeconds += skein.startupSeconds();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger acked = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < senders; i++) {
        Thread t = new Thread(() -> {
          try (GrpcTransport transport = new GrpcTransport("127.0.0.1", skein.port("grpc"))) {
            while (!stop.get()) {
              Workload.Request req = otlp.next();
              boolean ok = transport.send(req.body()).kind() == Transport.Kind.ACCEPTED;
              sent.add(new Sent(new Workload.Request(req.sequence(), req.template(), null, req.spans()), ok));
              if (!ok) {
                return;
              }
              acked.incrementAndGet();
            }
          }
        }, "crash-sender-" + i);
        threads.add(t);
        t.start();
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acked.get() < senders && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      Thread.sleep(random.nextInt(MAX_KILL_DELAY_MS));
      skein.kill();
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.MINUTES.toMillis(2));
      }
      if (acked.get() == 0) {
        throw new IllegalStateException("no request was acknowledged before kill " + (kill + 1) + "; see "
            + ctx.file("crash-skein.log"));
      }
    }

    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("crash-skein.log"));
    long[] tally = new long[6];
    String[] firstProblem = {""};
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (Sent s : sent) {
        futures.add(pool.submit(() -> check(skein, otlp, s, firstProblem)));
      }
      for (Future<long[]> f : futures) {
        long[] one = f.get();
        for (int i = 0; i < tally.length; i++) {
          tally[i] += one[i];
        }
      }
    } finally {
      pool.shutdownNow();
      skein.stop();
    }
    return new Result(seed, kills, senders, tally[0], tally[1], tally[2], tally[3], tally[4], tally[5],
        restartSeconds / kills, firstProblem[0]);
  }

  /**
   * Reads one request's traces back; returns {acknowledged requests, acknowledged spans, missing,
   * duplicates, unacknowledged spans, unacknowledged spans stored}.
   */
  private static long[] check(ServerProcess skein, Workload otlp, Sent s, String[] firstProblem) throws Exception {
    long[] out = new long[6];
    out[0] = s.acked() ? 1 : 0;
    Http http = HTTP.get();
    for (SpanMix.TraceInfo t : otlp.traces(s.request())) {
      String id = Hex.encode(t.traceId());
      Http.Timed got = http.get(skein.url("query", "/api/traces/" + id));
      if (got.status() != 200 && got.status() != 404) {
        throw new IllegalStateException("GET /api/traces/" + id + ": HTTP " + got.status());
      }
      Map<String, Integer> spans = new HashMap<>();
      if (got.status() == 200) {
        for (JsonNode trace : JSON.readTree(got.body()).path("data")) {
          for (JsonNode span : trace.path("spans")) {
            spans.merge(span.path("spanID").asText(), 1, Integer::sum);
          }
        }
      }
      long duplicates = spans.values().stream().mapToLong(n -> n - 1).sum();
      out[3] += duplicates;
      String problem = "";
      if (s.acked()) {
        out[1] += t.spans();
        long missing = Math.max(0, t.spans() - spans.size());
        out[2] += missing;
        if (missing > 0) {
          problem = "trace " + id + " of an acknowledged request: " + spans.size() + " of " + t.spans() + " spans";
        }
      } else {
        out[4] += t.spans();
        out[5] += Math.min(t.spans(), spans.size());
      }
      if (duplicates > 0) {
        problem = "trace " + id + ": " + duplicates + " spans returned more than once";
      }
      if (!problem.isEmpty()) {
        synchronized (firstProblem) {
          if (firstProblem[0].isEmpty()) {
            firstProblem[0] = problem;
          }
        }
      }
    }
    return out;
  }
}
