package dev.skein.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./skein bench metrics}: what Skein costs at a steady 10,000 spans/s over OTLP gRPC (peak
 * resident memory since start, CPU seconds per million spans), what its span metrics endpoint
 * costs to scrape after that, and whether its own telemetry counted every span the clients saw
 * acknowledged.
 */
final class MetricsSuite {
  private static final String SUITE = "metrics";
  private static final double RATE = 10_000;
  private static final int PACED_CLIENTS = 64;
  private final BenchContext ctx;
  private final Report report;

  MetricsSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    report.section("Resources at 10,000 spans/s, and span metrics");
    Duration measure = Duration.ofSeconds(ctx.quick ? 30 : 120);
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 5, 32,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(), 5L << 40);
    Path data = ctx.dir("metrics-skein");
    ctx.say("Metrics: starting Skein; %,.0f spans/s for %d s", RATE, measure.toSeconds());
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("metrics-skein.log"));
    Probe probe = new Probe(skein.pid(), List.of());
    LoadGenerator.Result r;
    long peak;
    long rssAtEnd;
    List<Long> scrapes = new ArrayList<>();
    int series = 0;
    double serverCounted = Double.NaN;
    try {
      r = LoadGenerator.run("OTLP gRPC at 10,000 spans/s", otlp, i -> new GrpcTransport("127.0.0.1", skein.port("grpc")),
          // Paced: enough clients that slow acknowledgements never hold the rate below 10,000 spans/s.
          new LoadGenerator.Options(PACED_CLIENTS, ctx.warmup(), measure, RATE, 5),
          new LoadGenerator.Window() {
            @Override
            public void started() {
              probe.start();
            }

            @Override
            public void ended() {
              probe.end();
            }
          }, req -> { });
      peak = ProcStats.peakRssBytes(skein.pid());
      rssAtEnd = ProcStats.rssBytes(skein.pid());
      Http http = new Http();
      // The connector flushes every 15 s; wait for one flush after the load so every span is in.
      Thread.sleep(16_000);
      for (int i = 0; i < 5; i++) {
        Http.Timed t = http.get(skein.url("spanmetrics", "/metrics"));
        scrapes.add(t.nanos());
        if (i == 0) {
          series = (int) new String(t.body(), StandardCharsets.UTF_8).lines()
              .filter(l -> !l.isBlank() && !l.startsWith("#")).count();
        }
      }
      String own = new String(http.get(skein.url("telemetry", "/metrics")).body(), StandardCharsets.UTF_8);
      serverCounted = own.lines().filter(l -> l.startsWith("otelcol_receiver_accepted_spans_total{receiver=\"otlp\"}"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } finally {
      skein.stop();
    }
    Scenario s = new Scenario("OTLP gRPC at 10,000 spans/s (paced)", r, probe, peak,
        Machine.directoryBytes(data) / (double) Math.max(1, r.totalAcceptedSpans()), ctx.otherLoad(probe));
    report.paragraph("A fresh Skein (default configuration and JVM settings: the JVM may take up to a quarter of this "
        + "machine's memory for its heap), " + ctx.warmup().toSeconds() + " s of warm-up, then " + measure.toSeconds()
        + " s measured at a steady 10,000 spans/s. Peak RSS is `VmHWM`: the most the process has ever had resident, "
        + "start-up included. RSS at the end: " + Report.mib(rssAtEnd) + ".");
    report.table(Scenario.COLUMNS, List.of(s.row()));
    s.record(report, SUITE);
    long[] sorted = scrapes.stream().mapToLong(Long::longValue).sorted().toArray();
    report.paragraph(String.format("Span metrics (`spanmetrics` connector → `prometheus` exporter): %d series after "
        + "the run; a scrape of `/metrics` takes %s ms (median of %d). Skein's own telemetry counted %s spans accepted "
        + "by the OTLP receiver; the clients saw %,d acknowledged.", series,
        Report.fmt(Stats.millis(Stats.percentile(sorted, 50)), 1), sorted.length, Report.fmt(serverCounted, 0),
        r.totalAcceptedSpans()));
    report.metric(SUITE, "span metrics", "series", series, "series");
    report.metric(SUITE, "span metrics", "scrape_latency_p50", Stats.millis(Stats.percentile(sorted, 50)), "ms");
    report.metric(SUITE, "own telemetry", "receiver_accepted_spans", serverCounted, "spans");
    report.metric(SUITE, "own telemetry", "client_acknowledged_spans", r.totalAcceptedSpans(), "spans");

    report.target("Peak resident memory at 10,000 spans/s", "≤ 512 MiB", Report.mib(peak), peak <= 512L << 20);
    report.target("CPU per million spans at 10,000 spans/s", "≤ 15 s",
        Report.fmt(s.cpuSecondsPerMillion(), 1) + " s", s.cpuSecondsPerMillion() <= 15);
    ctx.say("Metrics: peak RSS %s, %s CPU s per 1M spans, %s spans/s achieved", Report.mib(peak),
        Report.fmt(s.cpuSecondsPerMillion(), 1), Report.fmt(r.spansPerSecond(), 0));
  }
}
