package dev.skein.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Skein and Zipkin server side by side on the same Zipkin v2 JSON workload: both run at once, and
 * rounds alternate which one is loaded (Skein then Zipkin, then Zipkin then Skein, ...), so that
 * a change in the machine's other load during the run hits both alike. Each round gives a ratio
 * of Skein's accepted spans/s to Zipkin's; the report gives every ratio, their median and spread.
 */
final class PeerComparison {
  private static final String SUITE = "ingest";
  private final BenchContext ctx;
  private final Report report;

  PeerComparison(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void ingest() throws Exception {
    if (!Files.isRegularFile(ctx.zipkinJar)) {
      report.subsection("Skein and Zipkin server side by side");
      report.paragraph("Not run: Zipkin server's jar is not at `" + ctx.zipkinJar + "` (`./skein bench` fetches it).");
      report.target("Ingest against Zipkin server (same Zipkin JSON workload)", "≥ 3× Zipkin's spans/s", "not run", null);
      return;
    }
    Workload json = Workload.create(Workload.Encoding.ZIPKIN_JSON, 2, 32,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(30).toNanos(), Duration.ofMinutes(25).toNanos(), 2L << 40);
    Path data = ctx.dir("peer-skein");
    ctx.say("Zipkin JSON side by side: starting Skein and Zipkin server");
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("peer-skein.log"));
    ServerProcess zipkin;
    try {
      zipkin = ServerProcess.zipkin(ctx.zipkinJar, ctx.file("peer-zipkin.log"));
    } catch (Exception e) {
      skein.stop();
      throw e;
    }
    List<Scenario[]> rounds = new ArrayList<>();
    java.util.Map<String, Double> skeinThreads = new java.util.TreeMap<>();
    long skeinPeak;
    long zipkinPeak;
    long skeinTotal = 0;
    try {
      ctx.say("Zipkin JSON side by side: warming both up for %d s each", ctx.warmup().toSeconds());
      skeinTotal += load(json, skein, zipkin, "warm-up", ctx.warmup(), Duration.ofSeconds(1)).load().totalAcceptedSpans();
      load(json, zipkin, skein, "warm-up", ctx.warmup(), Duration.ofSeconds(1));
      for (int i = 0; i < ctx.rounds(); i++) {
        Scenario[] pair = new Scenario[2];
        ServerProcess[] order = i % 2 == 0 ? new ServerProcess[] {skein, zipkin} : new ServerProcess[] {zipkin, skein};
        for (ServerProcess s : order) {
          Scenario sc = load(json, s, s == skein ? zipkin : skein, "round " + (i + 1), Duration.ofSeconds(2), ctx.roundLength());
          pair[s == skein ? 0 : 1] = sc;
          if (s == skein) {
            skeinTotal += sc.load().totalAcceptedSpans();
            sc.probe().threadCpuSeconds().forEach((k, v) -> skeinThreads.merge(k, v, Double::sum));
          }
        }
        rounds.add(pair);
        ctx.say("Zipkin JSON round %d: Skein %s spans/s, Zipkin %s spans/s, ratio %s", i + 1,
            Report.fmt(pair[0].load().spansPerSecond(), 0), Report.fmt(pair[1].load().spansPerSecond(), 0),
            Report.fmt(pair[0].load().spansPerSecond() / pair[1].load().spansPerSecond(), 2));
      }
      skeinPeak = ProcStats.peakRssBytes(skein.pid());
      zipkinPeak = ProcStats.peakRssBytes(zipkin.pid());
    } finally {
      skein.stop();
      zipkin.stop();
    }
    double skeinBytesPerSpan = Machine.directoryBytes(data) / (double) Math.max(1, skeinTotal);

    report.subsection("Skein and Zipkin server side by side: Zipkin v2 JSON ingest");
    report.paragraph(String.format("Both servers run at once on free loopback ports: Skein with its default configuration "
        + "(the Zipkin receiver into the durable embedded store; a request is acknowledged once committed), Zipkin server "
        + "3.6.1 with its default in-memory storage (which keeps at most 500,000 spans and drops the oldest). Each gets "
        + "%d s of warm-up, then %d alternating rounds of %d s (after 2 s unmeasured, and once the idle server has "
        + "settled below a tenth of a core) with %d clients, each POSTing the same Zipkin v2 JSON requests of %d "
        + "spans (%s bytes on average) to `/api/v2/spans`.",
        ctx.warmup().toSeconds(), ctx.rounds(), ctx.roundLength().toSeconds(), ctx.clients,
        json.spansPerRequest(), Report.fmt(json.averageBodyBytes(), 0)));
    List<List<String>> rows = new ArrayList<>();
    double[] ratios = new double[rounds.size()];
    double[] cpuRatios = new double[rounds.size()];
    for (int i = 0; i < rounds.size(); i++) {
      Scenario s = rounds.get(i)[0];
      Scenario z = rounds.get(i)[1];
      ratios[i] = s.load().spansPerSecond() / z.load().spansPerSecond();
      cpuRatios[i] = z.cpuSecondsPerMillion() / s.cpuSecondsPerMillion();
      rows.add(List.of(Integer.toString(i + 1), i % 2 == 0 ? "Skein, Zipkin" : "Zipkin, Skein",
          Report.fmt(s.load().spansPerSecond(), 0), Report.fmt(z.load().spansPerSecond(), 0), Report.fmt(ratios[i], 2),
          Report.fmt(s.load().p99Millis(), 1), Report.fmt(z.load().p99Millis(), 1),
          Report.fmt(s.cpuSecondsPerMillion(), 1), Report.fmt(z.cpuSecondsPerMillion(), 1),
          s.load().rejectedSpans() + " / " + z.load().rejectedSpans(),
          Report.fmt(s.probe().generatorCpuSeconds() / s.probe().seconds(), 2) + " / "
              + Report.fmt(z.probe().generatorCpuSeconds() / z.probe().seconds(), 2),
          Report.fmt(s.otherCores(), 2) + " / " + Report.fmt(z.otherCores(), 2)));
      report.metric(SUITE, "zipkin json round " + (i + 1), "skein_spans_per_second", s.load().spansPerSecond(), "spans/s");
      report.metric(SUITE, "zipkin json round " + (i + 1), "zipkin_spans_per_second", z.load().spansPerSecond(), "spans/s");
      report.metric(SUITE, "zipkin json round " + (i + 1), "ratio", ratios[i], "x");
      report.metric(SUITE, "zipkin json round " + (i + 1), "skein_ack_latency_p99", s.load().p99Millis(), "ms");
      report.metric(SUITE, "zipkin json round " + (i + 1), "zipkin_ack_latency_p99", z.load().p99Millis(), "ms");
      report.metric(SUITE, "zipkin json round " + (i + 1), "skein_cpu_seconds_per_million_spans", s.cpuSecondsPerMillion(), "s");
      report.metric(SUITE, "zipkin json round " + (i + 1), "zipkin_cpu_seconds_per_million_spans", z.cpuSecondsPerMillion(), "s");
    }
    report.table(List.of("round", "order", "Skein spans/s", "Zipkin spans/s", "Skein ÷ Zipkin", "Skein p99 ms",
        "Zipkin p99 ms", "Skein CPU s/1M spans", "Zipkin CPU s/1M spans", "rejected spans (S / Z)",
        "load generator + idle peer, cores (S / Z)", "other processes, cores (S / Z)"), rows);
    double median = Stats.median(ratios);
    report.paragraph(String.format("**Skein ÷ Zipkin spans/s: median %s× (min %s×, max %s×, spread %s %% of the median) "
        + "over %d rounds.** CPU per span, Zipkin's ÷ Skein's: median %s×. Peak RSS: Skein %s, Zipkin %s. "
        + "Skein's bytes on disk per span for this workload: %s.",
        Report.fmt(median, 2), Report.fmt(Stats.min(ratios), 2), Report.fmt(Stats.max(ratios), 2),
        Report.fmt(100 * Stats.relativeSpread(ratios), 0), ratios.length, Report.fmt(Stats.median(cpuRatios), 2),
        Report.mib(skeinPeak), Report.mib(zipkinPeak), Report.fmt(skeinBytesPerSpan, 0)));
    double skeinCpu = skeinThreads.values().stream().mapToDouble(Double::doubleValue).sum();
    report.paragraph("Skein's CPU by thread over its measured rounds (`java` is the main thread and DuckDB's worker "
        + "threads, which inherit its name; `skein-embedded-` is the store's writer thread, which also runs DuckDB's "
        + "commits and checkpoints):");
    report.table(List.of("thread", "CPU s", "share"), skeinThreads.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(8)
        .map(e -> List.of("`" + e.getKey() + "`", Report.fmt(e.getValue(), 2), Report.fmt(100 * e.getValue() / skeinCpu, 1) + " %"))
        .toList());
    report.metric(SUITE, "zipkin json", "ratio_median", median, "x");
    report.metric(SUITE, "zipkin json", "ratio_min", Stats.min(ratios), "x");
    report.metric(SUITE, "zipkin json", "ratio_max", Stats.max(ratios), "x");
    report.metric(SUITE, "zipkin json", "skein_peak_rss", skeinPeak / (1024.0 * 1024.0), "MiB");
    report.metric(SUITE, "zipkin json", "zipkin_peak_rss", zipkinPeak / (1024.0 * 1024.0), "MiB");
    report.metric(SUITE, "zipkin json", "skein_bytes_on_disk_per_span", skeinBytesPerSpan, "bytes");
    report.target("Ingest against Zipkin server (same Zipkin JSON workload)", "≥ 3× Zipkin's spans/s, Skein durable",
        "median " + Report.fmt(median, 2) + "× (" + Report.fmt(Stats.min(ratios), 2) + "–" + Report.fmt(Stats.max(ratios), 2)
            + "×)", median >= 3);
  }

  /**
   * Waits, at most 15 s, until the idle server uses less than a tenth of a core, so that work left
   * over from its own round (a garbage collection of a large heap, a checkpoint) is not done
   * during the other server's round.
   */
  private static void quiesce(ServerProcess idle) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      long before = ProcStats.cpuTicks(idle.pid());
      Thread.sleep(500);
      double cores = (ProcStats.cpuTicks(idle.pid()) - before) / (double) ProcStats.ticksPerSecond() / 0.5;
      if (cores < 0.1) {
        return;
      }
    }
  }

  private Scenario load(Workload json, ServerProcess target, ServerProcess idle, String label, Duration warmup,
      Duration measure) throws Exception {
    // Skein takes Zipkin spans on its zipkin receiver's port; Zipkin server on its only port.
    URI uri = URI.create(target.url(target.ports.containsKey("zipkin") ? "zipkin" : "http", "/api/v2/spans"));
    quiesce(idle);
    Probe probe = new Probe(target.pid(), List.of(idle.pid()));
    LoadGenerator.Result r = LoadGenerator.run(target.name + " " + label, json,
        i -> new HttpTransport(uri, Workload.Encoding.ZIPKIN_JSON.contentType),
        new LoadGenerator.Options(ctx.clients, warmup, measure, 0, 5),
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
    if (!r.lastError().isEmpty()) {
      ctx.say("%s %s: last error: %s", target.name, label, r.lastError());
    }
    return new Scenario(target.name + " " + label, r, probe, 0, Double.NaN, ctx.otherLoad(probe));
  }
}
