package dev.skein.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.Hex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * {@code ./skein bench reliability}: Skein overloaded with four times the usual clients (rejected
 * and retried requests counted), then killed with SIGKILL in the middle of that load, restarted
 * on the same data, and asked for a sample of the traces whose requests had been acknowledged:
 * every one must come back whole, because an acknowledgement means the spans were committed.
 */
final class ReliabilitySuite {
  private static final String SUITE = "reliability";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BenchContext ctx;
  private final Report report;

  ReliabilitySuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    report.section("Reliability: overload, then kill -9");
    int clients = ctx.clients * 4;
    Duration measure = Duration.ofSeconds(ctx.quick ? 20 : 60);
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 8, 32,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(), 8L << 40);
    Path data = ctx.dir("reliability-skein");
    ctx.say("Reliability: starting Skein; %d clients for %d s, then SIGKILL", clients, measure.toSeconds());
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("reliability-skein.log"));
    Probe probe = new Probe(skein.pid(), List.of());
    List<Workload.Request> acked = Collections.synchronizedList(new ArrayList<>());
    long[] peak = new long[1];
    LoadGenerator.Result r;
    try {
      r = LoadGenerator.run("overload", otlp, i -> new GrpcTransport("127.0.0.1", skein.port("grpc")),
          new LoadGenerator.Options(clients, Duration.ofSeconds(3), measure, 0, 5),
          new LoadGenerator.Window() {
            @Override
            public void started() {
              probe.start();
            }

            @Override
            public void ended() {
              probe.end();
              peak[0] = ProcStats.peakRssBytes(skein.pid());
              try {
                skein.kill();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }, req -> acked.add(new Workload.Request(req.sequence(), req.template(), null, req.spans())));
    } finally {
      skein.kill();
    }
    Scenario s = new Scenario("OTLP gRPC overload (" + clients + " clients)", r, probe, peak[0], Double.NaN,
        ctx.otherLoad(probe));

    ctx.say("Reliability: restarting on the same data after SIGKILL");
    ServerProcess restarted = ServerProcess.skein(ctx.serverJar, data, ctx.file("reliability-skein-restart.log"));
    int checked = 0;
    int missing = 0;
    int incomplete = 0;
    String firstProblem = "";
    try {
      List<Workload.Request> sample = new ArrayList<>(acked);
      Collections.shuffle(sample, new Random(11));
      Http http = new Http();
      for (Workload.Request req : sample.subList(0, Math.min(sample.size(), ctx.quick ? 20 : 200))) {
        for (SpanMix.TraceInfo t : otlp.traces(req)) {
          checked++;
          Http.Timed got = http.get(restarted.url("query", "/api/traces/" + Hex.encode(t.traceId())));
          int spans = got.status() == 200 ? JSON.readTree(got.body()).path("data").path(0).path("spans").size() : 0;
          if (got.status() == 404 || spans == 0) {
            missing++;
          } else if (spans != t.spans()) {
            incomplete++;
          } else {
            continue;
          }
          if (firstProblem.isEmpty()) {
            firstProblem = Hex.encode(t.traceId()) + ": HTTP " + got.status() + ", " + spans + " spans (expected: "
                + t.spans() + ")";
          }
        }
      }
    } finally {
      restarted.stop();
    }
    report.paragraph(String.format("A fresh Skein takes OTLP gRPC from %d closed-loop clients (4× the usual) for "
        + "%d s after 3 s of warm-up; at the end of the window it is killed with SIGKILL while requests are in "
        + "flight, restarted on the same data directory (ready again after %s s), and asked through "
        + "`/api/traces/{id}` for every trace of a random sample of the acknowledged requests.",
        clients, measure.toSeconds(), Report.fmt(restarted.startupSeconds(), 1)));
    report.table(Scenario.COLUMNS, List.of(s.row()));
    s.record(report, SUITE);
    report.paragraph(String.format("Acknowledged requests: %,d. Traces checked after the restart: %,d; missing: %d; "
        + "with missing spans: %d%s.", acked.size(), checked, missing, incomplete,
        firstProblem.isEmpty() ? "" : " (first: " + firstProblem + ")"));
    report.metric(SUITE, "after kill -9", "traces_checked", checked, "traces");
    report.metric(SUITE, "after kill -9", "traces_missing", missing, "traces");
    report.metric(SUITE, "after kill -9", "traces_incomplete", incomplete, "traces");
    report.metric(SUITE, "after kill -9", "restart_seconds", restarted.startupSeconds(), "s");
    report.target("Acknowledged spans survive kill -9 (Skein's durability contract)", "0 lost",
        (missing + incomplete) + " of " + checked + " sampled traces lost or incomplete", checked > 0 && missing + incomplete == 0);
    ctx.say("Reliability: %d rejected, %d retried; %d of %d sampled traces lost or incomplete after kill -9",
        r.rejectedSpans(), r.retriedRequests(), missing + incomplete, checked);
  }
}
