package dev.skein.bench;

import dev.skein.model.Nullable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./skein bench metrics}: what Skein costs at a steady 10,000 spans/s over OTLP gRPC (peak
 * resident memory since start, CPU seconds per million spans), what its span metrics endpoint
 * costs to scrape after that, whether its own telemetry counted every span the clients saw
 * acknowledged, and what deriving span metrics and the service graph adds to the CPU of ingest
 * alone at the same rate.
 */
final class MetricsSuite {
  private static final String SUITE = "metrics";
  private static final double RATE = 10_000;
  private static final int PACED_CLIENTS = 64;
  private static final double OVERHEAD_TARGET = 0.10;
  private static final String INGEST_ONLY = "ingest only";
  private static final String WITH_METRICS = "ingest + spanmetrics + servicegraph";
  /** The stages of a JFR profile that belong to deriving metrics rather than to ingest. */
  private static final Set<String> METRICS_STAGES = Set.of("span metrics connector", "service graph connector",
      "Prometheus exporter", "metrics helpers (span metrics, service graph)");
  private final BenchContext ctx;
  private final Report report;

  MetricsSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  /** What a paced run measured, and the server's resident memory at its end. */
  private record Paced(Scenario scenario, long peakRss, long rssAtEnd) {}

  /** Runs against the server after the load, before it stops. */
  private interface AfterLoad {
    void run(ServerProcess server) throws Exception;
  }

  void run() throws Exception {
    report.section("Resources at 10,000 spans/s, and span metrics");
    Duration measure = Duration.ofSeconds(ctx.quick ? 30 : 120);
    List<Long> scrapes = new ArrayList<>();
    int[] series = new int[1];
    double[] serverCounted = {Double.NaN};
    ctx.say("Metrics: starting Skein; %,.0f spans/s for %d s", RATE, measure.toSeconds());
    Paced paced = paced("OTLP gRPC at 10,000 spans/s (paced)", "metrics-skein", List.of(), measure, null, skein -> {
      Http http = new Http();
      // The connector flushes every 15 s; wait for one flush after the load so every span is in.
      Thread.sleep(16_000);
      for (int i = 0; i < 5; i++) {
        Http.Timed t = http.get(skein.url("spanmetrics", "/metrics"));
        scrapes.add(t.nanos());
        if (i == 0) {
          series[0] = (int) new String(t.body(), StandardCharsets.UTF_8).lines()
              .filter(l -> !l.isBlank() && !l.startsWith("#")).count();
        }
      }
      serverCounted[0] = skein.telemetry("otelcol_receiver_accepted_spans_total{receiver=\"otlp\"}");
    });
    Scenario s = paced.scenario();
    LoadGenerator.Result r = s.load();
    List<String> jvmOptions = ServerProcess.defaultJvmOptions(ctx.serverJar);
    report.paragraph("A fresh Skein (default configuration; the JVM options `./skein` uses: "
        + (jvmOptions.isEmpty() ? "none, so the JVM may take up to a quarter of this machine's memory for its heap"
            : "`" + String.join(" ", jvmOptions) + "`") + "), " + ctx.warmup().toSeconds() + " s of warm-up, then "
        + measure.toSeconds()
        + " s measured at a steady 10,000 spans/s. Peak RSS is `VmHWM`: the most the process has ever had resident, "
        + "start-up included. RSS at the end: " + Report.mib(paced.rssAtEnd()) + ".");
    report.table(Scenario.COLUMNS, List.of(s.row()));
    s.record(report, SUITE);
    long[] sorted = scrapes.stream().mapToLong(Long::longValue).sorted().toArray();
    report.paragraph(String.format("Span metrics (`spanmetrics` connector → `prometheus` exporter): %d series after "
        + "the run; a scrape of `/metrics` takes %s ms (median of %d). Skein's own telemetry counted %s spans accepted "
        + "by the OTLP receiver; the clients saw %,d acknowledged.", series[0],
        Report.fmt(Stats.millis(Stats.percentile(sorted, 50)), 1), sorted.length, Report.fmt(serverCounted[0], 0),
        r.totalAcceptedSpans()));
    report.metric(SUITE, "span metrics", "series", series[0], "series");
    report.metric(SUITE, "span metrics", "scrape_latency_p50", Stats.millis(Stats.percentile(sorted, 50)), "ms");
    report.metric(SUITE, "own telemetry", "receiver_accepted_spans", serverCounted[0], "spans");
    report.metric(SUITE, "own telemetry", "client_acknowledged_spans", r.totalAcceptedSpans(), "spans");

    long peak = paced.peakRss();
    report.target("Peak resident memory at 10,000 spans/s", "≤ 512 MiB", Report.mib(peak), peak <= 512L << 20);
    report.target("CPU per million spans at 10,000 spans/s", "≤ 15 s",
        Report.fmt(s.cpuSecondsPerMillion(), 1) + " s", s.cpuSecondsPerMillion() <= 15);
    ctx.say("Metrics: peak RSS %s, %s CPU s per 1M spans, %s spans/s achieved", Report.mib(peak),
        Report.fmt(s.cpuSecondsPerMillion(), 1), Report.fmt(r.spansPerSecond(), 0));
    overhead();
  }

  /**
   * Ingest alone against ingest with the span metrics and service graph connectors feeding a
   * Prometheus exporter, at the same paced rate, in alternating rounds, each on a fresh server.
   */
  private void overhead() throws Exception {
    report.subsection("Span metrics overhead at 10,000 spans/s");
    int rounds = ctx.rounds();
    Duration measure = Duration.ofSeconds(ctx.quick ? 20 : 60);
    Path ingestOnly = ctx.resource("ingest-only.yaml");
    List<Path> withMetrics = List.of(ingestOnly, ctx.resource("span-metrics.yaml"));
    double[] alone = new double[rounds];
    double[] metrics = new double[rounds];
    double[] overhead = new double[rounds];
    double[] steadyOverhead = new double[rounds];
    List<List<String>> rows = new ArrayList<>();
    String derived = "";
    for (int i = 0; i < rounds; i++) {
      ctx.say("Metrics overhead, round %d of %d: %s, then %s, %d s each at %,.0f spans/s", i + 1, rounds,
          INGEST_ONLY, WITH_METRICS, measure.toSeconds(), RATE);
      Scenario a = paced(INGEST_ONLY + ", round " + (i + 1), "metrics-ingest-only", List.of(ingestOnly), measure,
          null, server -> { }).scenario();
      String[] seen = new String[1];
      Scenario b = paced(WITH_METRICS + ", round " + (i + 1), "metrics-span-metrics", withMetrics, measure, null,
          server -> seen[0] = derivedSeries(server)).scenario();
      derived = seen[0];
      alone[i] = a.cpuSecondsPerMillion();
      metrics[i] = b.cpuSecondsPerMillion();
      overhead[i] = metrics[i] / alone[i] - 1;
      steadyOverhead[i] = (metrics[i] - b.jitCpuSecondsPerMillion()) / (alone[i] - a.jitCpuSecondsPerMillion()) - 1;
      for (Scenario s : List.of(a, b)) {
        rows.add(s.row());
        s.record(report, SUITE);
      }
      report.metric(SUITE, "span metrics overhead, round " + (i + 1), "cpu_overhead", 100 * overhead[i], "%");
      ctx.say("Metrics overhead, round %d: %s vs %s CPU s per 1M spans (%s %%)", i + 1, Report.fmt(alone[i], 1),
          Report.fmt(metrics[i], 1), Report.fmt(100 * overhead[i], 1));
    }
    double median = Stats.median(overhead);
    report.paragraph("Two configurations of the same server at the same paced " + String.format("%,.0f", RATE)
        + " spans/s over OTLP gRPC (" + PACED_CLIENTS + " clients), in " + rounds + " alternating rounds, each a fresh "
        + "server with a fresh data directory, " + ctx.warmup().toSeconds() + " s of warm-up and " + measure.toSeconds()
        + " s measured. *" + INGEST_ONLY + "*: `bench/src/main/resources/dev/skein/bench/ingest-only.yaml`, the OTLP "
        + "receiver → `memory_limiter` → `batch` → `storage` (embedded), no connector, no Prometheus exporter. *"
        + WITH_METRICS + "*: the same with `span-metrics.yaml` laid over it: the `spanmetrics` and `servicegraph` "
        + "connectors in the traces pipeline, feeding a `prometheus` exporter. After each run with connectors, the "
        + "exporter served " + derived + ".");
    report.table(Scenario.COLUMNS, rows);
    String spread = Report.fmt(100 * Stats.min(overhead), 1) + " % to " + Report.fmt(100 * Stats.max(overhead), 1) + " %";
    report.paragraph(String.format("Server CPU seconds per million spans: %s (median; %s to %s) for %s, %s (%s to %s) "
        + "for %s. Overhead per round (the second over the first, minus one): median %s %%, from %s.",
        Report.fmt(Stats.median(alone), 1), Report.fmt(Stats.min(alone), 1), Report.fmt(Stats.max(alone), 1),
        INGEST_ONLY, Report.fmt(Stats.median(metrics), 1), Report.fmt(Stats.min(metrics), 1),
        Report.fmt(Stats.max(metrics), 1), WITH_METRICS, Report.fmt(100 * median, 1), spread));
    report.metric(SUITE, "span metrics overhead", "ingest_only_cpu_seconds_per_million_median", Stats.median(alone), "s");
    report.metric(SUITE, "span metrics overhead", "with_metrics_cpu_seconds_per_million_median", Stats.median(metrics),
        "s");
    report.metric(SUITE, "span metrics overhead", "cpu_overhead_median", 100 * median, "%");
    report.metric(SUITE, "span metrics overhead", "cpu_overhead_without_jit_median", 100 * Stats.median(steadyOverhead),
        "%");
    report.paragraph(String.format("Without the JIT compiler's threads, whose work a server that has run for a while "
        + "no longer does (the column \"of which JIT compiler\"): overhead median %s %%, from %s %% to %s %%. The "
        + "target is judged on all of the server's CPU.", Report.fmt(100 * Stats.median(steadyOverhead), 1),
        Report.fmt(100 * Stats.min(steadyOverhead), 1), Report.fmt(100 * Stats.max(steadyOverhead), 1)));
    boolean met = median <= OVERHEAD_TARGET;
    report.target("CPU of span metrics + service graph over ingest alone, same rate", "≤ 10 %",
        Report.fmt(100 * median, 1) + " % (median of " + rounds + " rounds; " + spread + ")", met);
    ctx.say("Metrics overhead: median %s %% (%s)", Report.fmt(100 * median, 1), spread);
    if (!met) {
      profile(withMetrics, measure);
    }
  }

  /** One more run with connectors, profiled with JFR, to name what the metrics cost. */
  private void profile(List<Path> withMetrics, Duration measure) throws Exception {
    if (!Jfr.available()) {
      report.paragraph("No profile of the connectors: `jcmd` is not in this JDK.");
      return;
    }
    Path jfr = ctx.file("metrics-span-metrics.jfr");
    ctx.say("Metrics overhead: one more run with connectors, profiled with JFR");
    paced(WITH_METRICS + ", profiled", "metrics-span-metrics-profiled", withMetrics, measure, jfr, server -> { });
    JfrSummary.Summary s = JfrSummary.read(jfr, 10);
    List<JfrSummary.Cost> stages = s.stages().stream().filter(c -> METRICS_STAGES.contains(c.name())).toList();
    double share = stages.stream().mapToDouble(JfrSummary.Cost::share).sum();
    report.metric(SUITE, "span metrics overhead, profiled", "jfr_metrics_share", share, "fraction");
    stages.forEach(c -> report.metric(SUITE, "span metrics overhead, profiled", "jfr_stage_share:" + c.name(),
        c.share(), "fraction"));
    StringBuilder text = new StringBuilder("Where the connectors' CPU goes: one more run with them (not counted "
        + "above), profiled with JFR over its measured window (" + s.samples() + " execution samples, Java code only). "
        + "The stages that derive metrics took " + Report.fmt(100 * share, 1) + " % of the samples");
    if (stages.isEmpty()) {
      text.append(".");
    } else {
      text.append(": ").append(String.join("; ", stages.stream()
          .map(c -> c.name() + " " + Report.fmt(100 * c.share(), 1) + " %").toList())).append(". ");
      JfrSummary.Cost biggest = stages.get(0);
      List<JfrSummary.Cost> inside = s.insideStages().getOrDefault(biggest.name(), List.of());
      text.append("The biggest is the ").append(biggest.name()).append(", and inside it: ")
          .append(String.join("; ", inside.stream().limit(4)
              .map(c -> c.name() + " " + Report.fmt(100 * c.share(), 0) + " %").toList())).append(".");
    }
    text.append(" The biggest stages overall: ").append(String.join("; ", s.stages().stream().limit(4)
        .map(c -> c.name() + " " + Report.fmt(100 * c.share(), 1) + " %").toList())).append(".");
    report.paragraph(text.toString());
  }

  /** What the Prometheus exporter serves after a run with connectors: proof that they did their work. */
  private static String derivedSeries(ServerProcess server) throws Exception {
    String body = new String(new Http().get(server.url("spanmetrics", "/metrics")).body(), StandardCharsets.UTF_8);
    Map<String, Long> counts = new java.util.LinkedHashMap<>();
    for (String prefix : List.of("traces_span_metrics_calls_total", "traces_service_graph_request_total")) {
      counts.put(prefix, body.lines().filter(l -> l.startsWith(prefix + "{") || l.startsWith(prefix + " ")).count());
    }
    if (counts.values().stream().anyMatch(c -> c == 0)) {
      throw new IllegalStateException("the connectors derived nothing (series " + counts + "); see " + server.log);
    }
    return String.join(" and ", counts.entrySet().stream()
        .map(e -> e.getValue() + " `" + e.getKey() + "` series").toList());
  }

  /**
   * Starts a fresh Skein with {@code configs} (the default configuration when empty), sends OTLP
   * gRPC at {@link #RATE} for a warm-up and then {@code measure}, runs {@code after}, and stops it.
   */
  private Paced paced(String name, String dir, List<Path> configs, Duration measure, @Nullable Path jfr,
      AfterLoad after) throws Exception {
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 5, 32,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(), 5L << 40);
    Path data = ctx.dir(dir);
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file(dir + ".log"), configs);
    Probe probe = new Probe(skein.pid(), List.of());
    LoadGenerator.Result r;
    long peak;
    long rssAtEnd;
    try {
      r = LoadGenerator.run(name, otlp, i -> new GrpcTransport("127.0.0.1", skein.port("grpc")),
          // Paced: enough clients that slow acknowledgements never hold the rate below RATE.
          new LoadGenerator.Options(PACED_CLIENTS, ctx.warmup(), measure, RATE, 5), probe.window(jfr), req -> { });
      peak = ProcStats.peakRssBytes(skein.pid());
      rssAtEnd = ProcStats.rssBytes(skein.pid());
      after.run(skein);
    } finally {
      skein.stop();
    }
    Scenario s = new Scenario(name, r, probe, peak,
        Machine.directoryBytes(data) / (double) Math.max(1, r.totalAcceptedSpans()), ctx.otherLoad(probe));
    return new Paced(s, peak, rssAtEnd);
  }
}
