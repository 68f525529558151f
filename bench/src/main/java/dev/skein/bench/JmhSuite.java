package dev.skein.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The physical limit: JMH runs of {@link DecodeBenchmarks} (one thread, and plain parsing on
 * every core) and {@link StorageAppendBenchmark}, each in a forked JVM. End-to-end ingest is
 * reported as a fraction of the plain parse rate (the better of one thread and every core), the
 * most a Java receiver on this machine could take in if it did nothing but parse.
 */
final class JmhSuite {
  private static final String SUITE = "jmh";
  private final BenchContext ctx;
  private final Report report;
  private int runs;

  /** One JMH result; {@code score} is in the benchmark's unit: ops/s for throughput, ms/op for average time. */
  record Measured(String name, int threads, double score, double error, int spansPerOp) {
    double spansPerSecond() {
      return score * spansPerOp;
    }
  }

  JmhSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws RunnerException {
    ctx.say("JMH: decoding and storage append (forked JVMs)");
    List<Measured> all = new ArrayList<>();
    all.addAll(run(DecodeBenchmarks.class.getName() + ".*", 1));
    all.addAll(run(DecodeBenchmarks.class.getName() + ".plainParse", Machine.cores()));
    all.addAll(run(StorageAppendBenchmark.class.getName() + ".*", 1));

    report.subsection("The physical limit (JMH)");
    report.paragraph(String.format("JMH 1.37, 1 fork, %d warm-up iterations of %d s and %d measured iterations of %d s "
        + "(JMH's output in `bench/target/work/jmh-*.log`). Decoding uses one export of %d spans of the same mix; `plainParse` "
        + "is `ExportTraceServiceRequest.parseFrom` alone (protobuf-java keeps strings as bytes until read, so this is "
        + "a floor on any receiver's work); `skeinDecodeProtobuf` adds `Traces.of` as Skein's receivers do; the "
        + "receiver's span validation (package-private in components/core) is not included. `skeinDecodeJson` is "
        + "`OtlpJson.decode` + `Traces.of`. Storage append is `EmbeddedTraceStore.write(batch).join()` into a fresh "
        + "store: each call commits and fsyncs.", warmupIterations(), warmupSeconds(), measureIterations(),
        measureSeconds(), SpanMix.SPANS_PER_EXPORT));
    List<List<String>> rows = new ArrayList<>();
    for (Measured m : all) {
      rows.add(List.of("`" + m.name() + "`", Integer.toString(m.threads()), Report.fmt(m.score(), 1) + " ± "
          + Report.fmt(m.error(), 1), Report.fmt(m.spansPerSecond(), 0)));
      report.metric(SUITE, m.name() + " threads=" + m.threads(), "ops_per_second", m.score(), "ops/s");
      report.metric(SUITE, m.name() + " threads=" + m.threads(), "spans_per_second", m.spansPerSecond(), "spans/s");
    }
    report.table(List.of("benchmark", "threads", "ops/s (± 99.9 % CI)", "spans/s"), rows);

    Measured single = all.stream().filter(m -> m.name().endsWith("plainParse") && m.threads() == 1)
        .findFirst().orElseThrow();
    // On a shared machine every thread may not get a core; what one thread did is a ceiling too.
    Measured ceiling = all.stream().filter(m -> m.name().endsWith("plainParse"))
        .max((a, b) -> Double.compare(a.spansPerSecond(), b.spansPerSecond())).orElseThrow();
    if (ctx.endToEndSpansPerSecond == null) {
      report.target("End-to-end ingest as a fraction of plain protobuf parsing", "≥ 25 %", "not measured", null);
      return;
    }
    double fraction = ctx.endToEndSpansPerSecond / ceiling.spansPerSecond();
    report.paragraph(String.format("**End-to-end OTLP gRPC ingest (%s spans/s) is %s %% of the plain parse rate "
        + "(%s spans/s, the better of %d thread%s and 1 thread)** and %s %% of plain parsing on one thread "
        + "(%s spans/s).",
        Report.fmt(ctx.endToEndSpansPerSecond, 0), Report.fmt(100 * fraction, 1),
        Report.fmt(ceiling.spansPerSecond(), 0), Machine.cores(), Machine.cores() == 1 ? "" : "s",
        Report.fmt(100 * ctx.endToEndSpansPerSecond / single.spansPerSecond(), 1),
        Report.fmt(single.spansPerSecond(), 0)));
    report.metric(SUITE, "end to end", "fraction_of_plain_parse_all_cores", fraction, "fraction");
    report.target("End-to-end ingest as a fraction of plain protobuf parsing", "≥ 25 %",
        Report.fmt(100 * fraction, 1) + " % (of " + Report.fmt(ceiling.spansPerSecond(), 0) + " spans/s on "
            + ceiling.threads() + " thread" + (ceiling.threads() == 1 ? "" : "s") + ")", fraction >= 0.25);
  }

  /**
   * The analytics behind explain and BubbleUp: {@link CompareBenchmark} over one million spans in
   * the embedded store, reported in milliseconds per call against the explain issue's "a few
   * seconds".
   */
  void runAnalytics() throws RunnerException {
    ctx.say("JMH: compare and RED over %,d spans in the embedded store (forked JVM)", CompareBenchmark.SPANS);
    List<Measured> all = run(CompareBenchmark.class.getName() + ".*", 1);
    report.subsection("Explain and BubbleUp over one million spans (JMH)");
    report.paragraph(String.format("`CompareBenchmark` loads %,d spans of the benchmark mix into a fresh embedded "
        + "store, with `user.tier=free` planted on most of the slow `%s` `%s` spans, then times "
        + "`compare` (those slow spans against the rest of the operation over the whole window; the planted value "
        + "must rank first or the run fails) and `red` (every span of the window by service and operation, "
        + "one-minute buckets). 1 fork, %d warm-up and %d measured iterations.", CompareBenchmark.SPANS,
        CompareBenchmark.SERVICE, CompareBenchmark.OPERATION, warmupIterations(), measureIterations()));
    List<List<String>> rows = new ArrayList<>();
    for (Measured m : all) {
      rows.add(List.of("`" + m.name() + "`", Report.fmt(m.score(), 0) + " ± " + Report.fmt(m.error(), 0)));
      report.metric(SUITE, m.name(), "ms_per_call", m.score(), "ms");
    }
    report.table(List.of("benchmark", "ms per call (± 99.9 % CI)"), rows);
    Measured compare = all.stream().filter(m -> m.name().contains("compare")).findFirst().orElseThrow();
    report.target("BubbleUp compare over 1 million spans (explain issue)", "a few seconds (≤ 3 s)",
        Report.fmt(compare.score(), 0) + " ms", compare.score() <= 3000);
  }

  private List<Measured> run(String include, int threads) throws RunnerException {
    ChainedOptionsBuilder b = new OptionsBuilder()
        .include(include)
        .forks(1)
        .threads(threads)
        .warmupIterations(warmupIterations())
        .warmupTime(TimeValue.seconds(warmupSeconds()))
        .measurementIterations(measureIterations())
        .measurementTime(TimeValue.seconds(measureSeconds()))
        .shouldFailOnError(true)
        .output(ctx.file("jmh-" + (++runs) + ".log").toString());
    Collection<RunResult> results = new Runner(b.build()).run();
    List<Measured> out = new ArrayList<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      String spansParam = r.getParams().getParam("spans");
      int spansPerOp = spansParam != null ? Integer.parseInt(spansParam) : SpanMix.SPANS_PER_EXPORT;
      if (spansParam != null) {
        name += " (" + spansParam + " spans)";
      }
      out.add(new Measured(name, threads, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(),
          spansPerOp));
      ctx.say("JMH %s, %d thread(s): %s ops/s", name, threads, Report.fmt(r.getPrimaryResult().getScore(), 1));
    }
    return out;
  }

  private int warmupIterations() {
    return ctx.quick ? 3 : 5;
  }

  private int warmupSeconds() {
    return 2;
  }

  private int measureIterations() {
    return ctx.quick ? 3 : 5;
  }

  private int measureSeconds() {
    return ctx.quick ? 2 : 5;
  }
}
