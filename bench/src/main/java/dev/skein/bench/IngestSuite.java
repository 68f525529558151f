package dev.skein.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * {@code ./skein bench ingest}: OTLP gRPC and OTLP HTTP protobuf into a fresh Skein with its
 * default configuration (memory_limiter, batch, durable embedded store, span metrics), profiled
 * with JFR; then Skein and Zipkin server side by side on the same Zipkin v2 JSON workload in
 * alternating rounds; then the JMH ceiling (plain protobuf parsing) that end-to-end ingest is
 * compared with.
 */
final class IngestSuite {
  private static final String SUITE = "ingest";
  private final BenchContext ctx;
  private final Report report;

  IngestSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    report.section("Ingest");
    report.paragraph("Each scenario starts a fresh Skein (`java -jar server/target/skein.jar run`, default configuration "
        + "and JVM settings, data in a new directory), sends " + ctx.warmup().toSeconds() + " s of warm-up, then measures "
        + ctx.measure().toSeconds() + " s with " + ctx.clients + " closed-loop clients (each waits for its acknowledgement, "
        + "which Skein sends once the spans are committed to the write-ahead log). Requests are "
        + SpanMix.SPANS_PER_EXPORT + " spans. Bytes on disk are measured after a clean stop (SIGTERM), over every span "
        + "accepted including the warm-up.");
    Workload otlp = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 1, 32,
        System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(30).toNanos(), Duration.ofMinutes(25).toNanos(), 1L << 40);
    report.paragraph(String.format("Workload: OTLP protobuf requests of %d spans, %s bytes each on average (%s bytes per span).",
        otlp.spansPerRequest(), Report.fmt(otlp.averageBodyBytes(), 0),
        Report.fmt(otlp.averageBodyBytes() / otlp.spansPerRequest(), 0)));

    List<Scenario> scenarios = new ArrayList<>();
    Path jfr = ctx.file("ingest-otlp-grpc.jfr");
    Probe[] grpcProbe = new Probe[1];
    Scenario grpc = skeinScenario("OTLP gRPC → embedded store", "ingest-grpc", otlp,
        s -> i -> new GrpcTransport("127.0.0.1", s.port("grpc")), jfr, grpcProbe);
    scenarios.add(grpc);
    ctx.endToEndSpansPerSecond = grpc.load().spansPerSecond();
    scenarios.add(skeinScenario("OTLP HTTP protobuf → embedded store", "ingest-http", otlp,
        s -> i -> new HttpTransport(URI.create(s.url("http", "/v1/traces")), Workload.Encoding.OTLP_PROTOBUF.contentType),
        null, null));
    report.subsection("Skein alone");
    report.table(Scenario.COLUMNS, scenarios.stream().map(Scenario::row).toList());
    scenarios.forEach(s -> s.record(report, SUITE));

    boolean latencyOk = grpc.load().p99Millis() <= 50;
    boolean rateOk = grpc.load().spansPerSecond() / Machine.cores() >= 100_000;
    boolean noRejects = grpc.load().rejectedSpans() == 0;
    report.target("Durable ingest, OTLP gRPC into the embedded store",
        "≥ 100,000 spans/s per core, p99 ack ≤ 50 ms, 0 rejected",
        Report.fmt(grpc.load().spansPerSecond() / Machine.cores(), 0) + " spans/s per core ("
            + Report.fmt(grpc.load().spansPerSecond(), 0) + " on " + Machine.cores() + " cores), p99 "
            + Report.fmt(grpc.load().p99Millis(), 1) + " ms, " + grpc.load().rejectedSpans() + " rejected",
        latencyOk && rateOk && noRejects);

    profile(jfr, grpcProbe[0]);
    new PeerComparison(ctx).ingest();
    new JmhSuite(ctx).run();
  }

  private interface Transports {
    IntFunction<Transport> to(ServerProcess server);
  }

  private Scenario skeinScenario(String name, String dir, Workload workload, Transports transports, Path jfr,
      Probe[] probeOut) throws Exception {
    Path data = ctx.dir(dir);
    ctx.say("%s: starting Skein", name);
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file(dir + ".log"));
    Probe probe = new Probe(skein.pid(), List.of());
    LoadGenerator.Result r;
    long peak;
    try {
      ctx.say("%s: %d clients, %d s warm-up, %d s measured", name, ctx.clients, ctx.warmup().toSeconds(),
          ctx.measure().toSeconds());
      r = LoadGenerator.run(name, workload, transports.to(skein),
          new LoadGenerator.Options(ctx.clients, ctx.warmup(), ctx.measure(), 0, 5), probe.window(jfr), req -> { });
      peak = ProcStats.peakRssBytes(skein.pid());
    } finally {
      skein.stop();
    }
    double perSpan = r.totalAcceptedSpans() == 0 ? Double.NaN
        : Machine.directoryBytes(data) / (double) r.totalAcceptedSpans();
    Scenario s = new Scenario(name, r, probe, peak, perSpan, ctx.otherLoad(probe));
    ctx.say("%s: %s spans/s, p99 %s ms, %d rejected%s", name, Report.fmt(r.spansPerSecond(), 0),
        Report.fmt(r.p99Millis(), 1), r.rejectedSpans(), r.lastError().isEmpty() ? "" : " (last error: " + r.lastError() + ")");
    if (probeOut != null) {
      probeOut[0] = probe;
    }
    return s;
  }

  private void profile(Path jfr, Probe probe) throws Exception {
    report.subsection("Where the ingest path spends its CPU (OTLP gRPC run)");
    List<List<String>> threads = new ArrayList<>();
    double total = probe.serverCpuSeconds();
    for (Map.Entry<String, Double> e : probe.threadCpuSeconds().entrySet()) {
      if (threads.size() == 12) {
        break;
      }
      threads.add(List.of("`" + e.getKey() + "`", Report.fmt(e.getValue(), 2), Report.fmt(100 * e.getValue() / total, 1) + " %"));
      report.metric(SUITE, "profile", "thread_cpu_seconds:" + e.getKey(), e.getValue(), "s");
    }
    report.paragraph("Server CPU by thread over the measured window, from `/proc/<pid>/task/*/stat` (Linux cuts "
        + "thread names to 15 characters; pool numbers are folded into N). Unlike JFR, this includes DuckDB's native "
        + "threads: `java` is the main thread and DuckDB's worker threads, which inherit its name; `skein-embedded-` is "
        + "the store's writer thread, which also runs DuckDB's commits and checkpoints.");
    report.table(List.of("thread", "CPU s", "share"), threads);
    if (!Jfr.available() || !java.nio.file.Files.exists(jfr)) {
      report.paragraph("No JFR recording: `jcmd` is not in this JDK.");
      return;
    }
    JfrSummary.Summary s = JfrSummary.read(jfr, 10);
    report.paragraph("JFR execution samples (`settings=profile`, started with `jcmd` for the measured window only; "
        + s.samples() + " samples; Java code only, so DuckDB's native work is missing here). By the part of Skein "
        + "the work was done for (the innermost Skein frame on the stack):");
    report.table(List.of("Skein stage", "samples", "share"), s.stages().stream()
        .map(c -> List.of(c.name(), Long.toString(c.samples()), Report.fmt(100 * c.share(), 1) + " %")).toList());
    if (!s.stages().isEmpty()) {
      report.paragraph("Inside the biggest stage, " + s.stages().get(0).name() + ", by the code that did it: "
          + String.join("; ", s.insideTopStage().stream().limit(5)
              .map(c -> c.name() + " " + Report.fmt(100 * c.share(), 0) + " %").toList()) + ".");
    }
    report.paragraph("By the code that did it (the innermost frame of any known library or Skein package):");
    report.table(List.of("layer", "samples", "share"), s.layers().stream()
        .map(c -> List.of(c.name(), Long.toString(c.samples()), Report.fmt(100 * c.share(), 1) + " %")).toList());
    report.paragraph("Hottest methods (leaf frames):");
    report.table(List.of("method", "samples", "share"), s.methods().stream()
        .map(c -> List.of("`" + c.name() + "`", Long.toString(c.samples()), Report.fmt(100 * c.share(), 1) + " %")).toList());
    report.paragraph("Garbage collection: " + s.gcPauses() + " collections, " + Report.fmt(s.gcPauseTotal().toNanos() / 1e6, 0)
        + " ms of pauses in " + Report.fmt(probe.seconds(), 0) + " s.");
    s.stages().forEach(c -> report.metric(SUITE, "profile", "jfr_stage_share:" + c.name(), c.share(), "fraction"));
    s.layers().forEach(c -> report.metric(SUITE, "profile", "jfr_layer_share:" + c.name(), c.share(), "fraction"));
    List<String> biggest = s.stages().stream().limit(3)
        .map(c -> c.name() + " (" + Report.fmt(100 * c.share(), 0) + " %)").toList();
    report.paragraph("The three biggest Java costs of the ingest path, by stage: " + String.join("; ", biggest) + ".");
  }
}
