package dev.skein.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.Hex;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * {@code ./skein bench reliability}: two experiments.
 *
 * <p><b>Crashes</b> ({@link CrashExperiment}): Skein killed with SIGKILL 50 times (20 with
 * {@code --quick}) at random moments under sustained OTLP/gRPC ingest, restarted on the same data
 * each time, then every trace sent read back: acknowledged spans missing (must be 0), spans
 * returned twice (must be 0), unacknowledged spans stored anyway (allowed).
 *
 * <p><b>Overload</b>: Skein with {@code overload.yaml} ({@code memory_limiter} with
 * {@code limit_mib: 160} before {@code batch} and the durable store, {@code -Xmx256m}); its
 * sustainable rate is measured with closed-loop clients, then three times that is offered for 5
 * minutes (2 with {@code --quick}), half over OTLP/gRPC and half over OTLP/HTTP, by clients that
 * retry every retryable refusal until it is acknowledged. Reported: offered and accepted rates,
 * refusals, requests refused for good (must be 0), peak RSS, and a random sample of the
 * acknowledged requests read back after the load.
 */
final class ReliabilitySuite {
  private static final String SUITE = "reliability";
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int XMX_MIB = 256;
  static final int LIMIT_MIB = 160;
  /** Memory outside the heap that OverloadIT allows: the JVM's own and DuckDB's native buffers. */
  /** As in overload.yaml: the embedded store's {@code memory_limit_mib}, DuckDB's cap. */
  static final int DUCKDB_MIB = 128;
  /** The JVM's own memory and the native allocator's overhead, as {@code OverloadIT} allows. */
  static final int NON_HEAP_MIB = DUCKDB_MIB + 448;
  /** The resident-set budget OverloadIT asserts: -Xmx plus {@link #NON_HEAP_MIB}. */
  static final int RSS_LIMIT_MIB = XMX_MIB + NON_HEAP_MIB;
  private final BenchContext ctx;
  private final Report report;

  ReliabilitySuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    crashes();
    overload();
  }

  private void crashes() throws Exception {
    report.section("Reliability: kill -9 under load");
    int kills = ctx.quick ? 20 : 50;
    int senders = 4;
    long seed = Long.getLong("skein.crash.seed", System.nanoTime());
    ctx.say("Reliability: %d kills with %d OTLP/gRPC senders (seed %d)", kills, senders, seed);
    CrashExperiment.Result r = CrashExperiment.run(ctx, kills, senders, seed);
    report.paragraph(String.format("Skein takes OTLP/gRPC from %d clients (each sends its next request once the "
        + "last is answered); once %d requests have been acknowledged, it is killed with SIGKILL after a random delay of "
        + "up to 1.5 s (seed %d), and restarted on the same data directory (ready again after %s s on average). "
        + "After %d kills every trace any client sent is read back through `/api/traces/{id}`.",
        senders, senders, r.seed(), Report.fmt(r.meanRestartSeconds(), 1), r.kills()));
    report.table(List.of("kills", "requests acknowledged", "spans acknowledged", "acknowledged spans missing",
        "spans returned twice", "unacknowledged spans", "unacknowledged spans stored"), List.of(List.of(
        Integer.toString(r.kills()), Report.fmt(r.ackedRequests(), 0), Report.fmt(r.ackedSpans(), 0),
        Report.fmt(r.missingSpans(), 0), Report.fmt(r.duplicateSpans(), 0), Report.fmt(r.unackedSpans(), 0),
        Report.fmt(r.unackedStoredSpans(), 0))));
    if (!r.firstProblem().isEmpty()) {
      report.paragraph("First problem: " + r.firstProblem() + ".");
    }
    String scenario = "kill -9 x" + r.kills();
    report.metric(SUITE, scenario, "kills", r.kills(), "kills");
    report.metric(SUITE, scenario, "acked_spans", r.ackedSpans(), "spans");
    report.metric(SUITE, scenario, "missing_acked_spans", r.missingSpans(), "spans");
    report.metric(SUITE, scenario, "duplicate_spans", r.duplicateSpans(), "spans");
    report.metric(SUITE, scenario, "unacked_spans", r.unackedSpans(), "spans");
    report.metric(SUITE, scenario, "unacked_stored_spans", r.unackedStoredSpans(), "spans");
    report.metric(SUITE, scenario, "restart_seconds", r.meanRestartSeconds(), "s");
    report.target("Acknowledged spans survive kill -9 (Skein's durability contract)", "0 lost, 0 duplicated",
        r.missingSpans() + " lost and " + r.duplicateSpans() + " duplicated of " + r.ackedSpans()
            + " acknowledged spans after " + r.kills() + " kills",
        r.ackedSpans() > 0 && r.missingSpans() == 0 && r.duplicateSpans() == 0);
    ctx.say("Reliability: %d kills, %d spans acknowledged, %d missing, %d duplicates, %d of %d unacknowledged "
        + "spans stored anyway", r.kills(), r.ackedSpans(), r.missingSpans(), r.duplicateSpans(),
        r.unackedStoredSpans(), r.unackedSpans());
  }

  private void overload() throws Exception {
    report.section("Reliability: three times the sustainable rate, with memory_limiter");
    Duration overload = Duration.ofMinutes(ctx.quick ? 2 : 5);
    Path data = ctx.dir("overload-skein");
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("overload-skein.log"),
        List.of(ctx.resource("overload.yaml")), List.of("-Xmx" + XMX_MIB + "m"));
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 5, 8,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(),
        10L << 40);
    List<Workload.Request> acked = Collections.synchronizedList(new ArrayList<>());
    int clients = 64;
    LoadGenerator.Result sustainable;
    LoadGenerator.Result r;
    Probe probe = new Probe(skein.pid(), List.of());
    try {
      ctx.say("Reliability: measuring the sustainable rate (32 closed-loop OTLP/gRPC clients)");
      sustainable = LoadGenerator.run("sustainable", otlp, i -> new GrpcTransport("127.0.0.1", skein.port("grpc")),
          new LoadGenerator.Options(32, Duration.ofSeconds(5), Duration.ofSeconds(ctx.quick ? 10 : 20), 0, 1000),
          new LoadGenerator.Window() {
            @Override
            public void started() {}

            @Override
            public void ended() {}
          }, acked::add);
      double offered = 3 * sustainable.spansPerSecond();
      ctx.say("Reliability: sustainable %.0f spans/s; offering %.0f spans/s for %d s over OTLP/gRPC and OTLP/HTTP",
          sustainable.spansPerSecond(), offered, overload.toSeconds());
      URI http = URI.create(skein.url("http", "/v1/traces"));
      r = LoadGenerator.run("overload", otlp, i -> i % 2 == 0 ? new GrpcTransport("127.0.0.1", skein.port("grpc"))
              : new HttpTransport(http, Workload.Encoding.OTLP_PROTOBUF.contentType),
          new LoadGenerator.Options(clients, Duration.ZERO, overload, offered, 1000),
          new LoadGenerator.Window() {
            @Override
            public void started() {
              probe.start();
            }

            @Override
            public void ended() {
              probe.end();
            }
          }, acked::add);
      long peak = ProcStats.peakRssBytes(skein.pid());
      double stored = skein.telemetry("otelcol_exporter_sent_spans_total{exporter=\"storage\"}");
      long ackedSpans = sustainable.totalAcceptedSpans() + r.totalAcceptedSpans();
      int[] sample = readBackSample(skein, otlp, acked);
      Scenario s = new Scenario("OTLP gRPC+HTTP at 3x the sustainable rate (" + clients + " clients)", r, probe, peak,
          Double.NaN, ctx.otherLoad(probe));
      report.paragraph(String.format("Skein runs with `-Xmx%dm` and `overload.yaml`: `memory_limiter` "
          + "(`check_interval: 100ms`, `limit_mib: %d`, `spike_limit_mib: 40`) before `batch` and the embedded store. "
          + "32 closed-loop OTLP/gRPC clients measured %s spans/s as sustainable; then %d clients, half OTLP/gRPC and "
          + "half OTLP/HTTP, paced together at three times that (%s spans/s) for %d s, each retrying a retryable "
          + "refusal after a backoff (100 ms, doubling, at most 2 s) until acknowledged or the load ends (a request "
          + "still being retried then is given up; `OverloadIT` checks exact delivery).", XMX_MIB, LIMIT_MIB,
          Report.fmt(sustainable.spansPerSecond(), 0), clients, Report.fmt(offered, 0), overload.toSeconds()));
      report.table(Scenario.COLUMNS, List.of(s.row()));
      s.record(report, SUITE);
      report.paragraph(String.format("Offered %s spans/s, accepted %s spans/s; retryable refusals (each retried): "
          + "%s; spans refused for good: %s, in %d requests. Peak RSS (VmHWM) %s, against %d MiB "
          + "(`-Xmx%dm` + %d MiB outside the heap: DuckDB's 128 MiB and 448 MiB for the JVM's own). Spans acknowledged in all: %s; the storage exporter's "
          + "`otelcol_exporter_sent_spans_total`: %s; a random sample of %d acknowledged traces read back after "
          + "the load: %d missing or incomplete.", Report.fmt(offered, 0), Report.fmt(r.spansPerSecond(), 0),
          Report.fmt(r.retriedRequests(), 0), Report.fmt(r.rejectedSpans(), 0), r.failedRequests(),
          Report.mib(peak), RSS_LIMIT_MIB, XMX_MIB, NON_HEAP_MIB, Report.fmt(ackedSpans, 0), Report.fmt(stored, 0),
          sample[0],
          sample[1]));
      String scenario = "overload 3x";
      report.metric(SUITE, scenario, "offered_spans_per_second", offered, "spans/s");
      report.metric(SUITE, scenario, "sustainable_spans_per_second", sustainable.spansPerSecond(), "spans/s");
      report.metric(SUITE, scenario, "retryable_refusals", r.retriedRequests(), "requests");
      report.metric(SUITE, scenario, "refused_for_good_spans", r.rejectedSpans(), "spans");
      report.metric(SUITE, scenario, "failed_requests", r.failedRequests(), "requests");
      report.metric(SUITE, scenario, "peak_rss_mib", peak / (1024.0 * 1024.0), "MiB");
      report.metric(SUITE, scenario, "stored_spans_counter", stored, "spans");
      report.metric(SUITE, scenario, "acked_spans", ackedSpans, "spans");
      report.metric(SUITE, scenario, "sample_traces_missing", sample[1], "traces");
      report.target("Overload: every refusal retryable, everything delivered", "0 refused for good, 0 lost",
          r.failedRequests() + " refused for good; " + sample[1] + " of " + sample[0] + " sampled traces lost",
          r.failedRequests() == 0 && sample[1] == 0 && sample[0] > 0);
      report.target("Overload: peak RSS within -Xmx + " + NON_HEAP_MIB + " MiB", "<= " + RSS_LIMIT_MIB + " MiB",
          Report.mib(peak),
          peak <= RSS_LIMIT_MIB * 1024L * 1024L);
      ctx.say("Reliability: offered %.0f, accepted %.0f spans/s, %d retryable refusals, %d requests refused for good,"
          + " peak RSS %s", offered, r.spansPerSecond(), r.retriedRequests(), r.failedRequests(), Report.mib(peak));
    } finally {
      skein.stop();
    }
  }

  /** Reads a random sample of acknowledged requests' traces back; returns {traces checked, missing or incomplete}. */
  private int[] readBackSample(ServerProcess skein, Workload otlp, List<Workload.Request> acked) throws Exception {
    List<Workload.Request> sample = new ArrayList<>(acked);
    Collections.shuffle(sample, new Random(11));
    Http http = new Http();
    int checked = 0;
    int bad = 0;
    for (Workload.Request req : sample.subList(0, Math.min(sample.size(), ctx.quick ? 50 : 200))) {
      for (SpanMix.TraceInfo t : otlp.traces(req)) {
        checked++;
        Http.Timed got = http.get(skein.url("query", "/api/traces/" + Hex.encode(t.traceId())));
        int spans = got.status() == 200 ? JSON.readTree(got.body()).path("data").path(0).path("spans").size() : 0;
        if (spans != t.spans()) {
          bad++;
        }
      }
    }
    return new int[] {checked, bad};
  }
}
