package dev.skein.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.Hex;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * {@code ./skein bench query}: the same Zipkin v2 JSON data set loaded into Skein (durable
 * embedded store) and Zipkin server (in memory), then trace by ID, search by service and minimum
 * duration, and search by attribute, timed through each one's HTTP API in alternating rounds.
 * Every response is checked (span or trace counts), so a fast wrong answer does not count as fast.
 * Without {@code --quick}, Skein then takes more spans over OTLP gRPC up to the search issue's
 * 10 million, and its own targets are measured again on that.
 */
final class QuerySuite {
  private static final String SUITE = "query";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TEN_MILLION = 10_000_000L;
  private final BenchContext ctx;
  private final Report report;

  /** One kind of query, as a URL on each server, and how to count what came back. */
  private record Kind(String name, Function<Integer, String> skeinPath, Function<Integer, String> zipkinPath,
      ToIntFunction<JsonNode> skeinCount, ToIntFunction<JsonNode> zipkinCount, ToIntFunction<Integer> expected) {}

  /** Latencies of one server for one kind in one round, and how many answers were wrong. */
  private record Timing(long[] sorted, int wrong, String firstProblem) {
    double p50() {
      return Stats.millis(Stats.percentile(sorted, 50));
    }

    double p99() {
      return Stats.millis(Stats.percentile(sorted, 99));
    }
  }

  QuerySuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    report.section("Query");
    boolean withZipkin = Files.isRegularFile(ctx.zipkinJar);
    long nowMillis = System.currentTimeMillis();
    int requests = ctx.quick ? 200 : 900;
    // Live data arrives in about the order it starts: each request's traces start a step after the
    // last one's. The shared data set fills the hour, or (when more follows) its first minutes.
    long from = (nowMillis - Duration.ofMinutes(59).toMillis()) * 1_000_000L;
    Duration sharedSpan = ctx.quick ? Duration.ofMinutes(58) : Duration.ofMinutes(3);
    Workload json = Workload.create(Workload.Encoding.ZIPKIN_JSON, 4, 32, from, Duration.ofSeconds(2).toNanos(),
        4L << 40).advancing(sharedSpan.toNanos() / requests);
    Path data = ctx.dir("query-skein");
    ctx.say("Query: starting Skein%s", withZipkin ? " and Zipkin server" : "");
    ServerProcess skein = ServerProcess.skein(ctx.serverJar, data, ctx.file("query-skein.log"));
    ServerProcess zipkin = null;
    long loadedSpans;
    try {
      if (withZipkin) {
        zipkin = ServerProcess.zipkin(ctx.zipkinJar, ctx.file("query-zipkin.log"));
      }
      List<SpanMix.TraceInfo> traces = Collections.synchronizedList(new ArrayList<>());
      URI skeinUri = URI.create(skein.url("zipkin", "/api/v2/spans"));
      URI zipkinUri = zipkin == null ? null : URI.create(zipkin.url("http", "/api/v2/spans"));
      ctx.say("Query: loading %,d spans of Zipkin JSON into %s", (long) requests * json.spansPerRequest(),
          withZipkin ? "both" : "Skein");
      LoadGenerator.Result loaded = LoadGenerator.send("query data set", json, i -> both(
          new HttpTransport(skeinUri, Workload.Encoding.ZIPKIN_JSON.contentType),
          zipkinUri == null ? null : new HttpTransport(zipkinUri, Workload.Encoding.ZIPKIN_JSON.contentType)),
          8, requests, r -> traces.addAll(json.traces(r)));
      loadedSpans = loaded.totalAcceptedSpans();
      if (loaded.failedRequests() > 0) {
        throw new IllegalStateException("loading the query data set: " + loaded.failedRequests()
            + " requests failed (expected: none); last error: " + loaded.lastError());
      }
      long endMicros = System.currentTimeMillis() * 1000 + 60_000_000L;
      long startMicros = (nowMillis - Duration.ofHours(1).toMillis()) * 1000;
      List<Kind> kinds = kinds(traces, startMicros, endMicros, nowMillis + 60_000);

      report.paragraph(String.format("Data set: %,d spans in %,d traces of the span mix, sent as Zipkin v2 JSON to %s "
          + "(Zipkin keeps at most 500,000 spans in memory by default, so the shared data set stays below that). "
          + "Traces start within the last hour, in about the order they are sent, as live data does. "
          + "Each query kind runs %d times per server per round, one at a time over a keep-alive connection "
          + "(the JDK's blocking `HttpURLConnection`), "
          + "in %d rounds that alternate which server goes first; every answer is checked. Each trace by ID reads "
          + "a trace no earlier query of the suite read. Before the rounds, each server answers %d queries of "
          + "each kind that are not timed (for trace by ID, of other traces still), so that the figures are those "
          + "of a server whose code the JIT compiler has compiled, as in a server that has been running.",
          loadedSpans, traces.size(), withZipkin ? "both servers" : "Skein", queriesPerRound(), ctx.rounds(),
          warmQueries()));
      for (Kind k : kinds) {
        compare(k, skein, zipkin);
      }
      if (!ctx.quick) {
        loadedSpans += bulkLoad(skein, traces, from + sharedSpan.toNanos(), (nowMillis - 60_000) * 1_000_000L);
        report.subsection("Skein alone on " + Report.fmt(loadedSpans, 0) + " spans");
        for (Kind k : kinds(traces, startMicros, System.currentTimeMillis() * 1000 + 60_000_000L, 0)) {
          compare(k, skein, null);
        }
      } else {
        report.paragraph("`--quick` does not load the search issue's 10 million spans; the Skein figures above are on "
            + "the smaller data set. Run `./skein bench query` for the full one.");
      }
    } finally {
      skein.stop();
      if (zipkin != null) {
        zipkin.stop();
      }
    }
    double perSpan = Machine.directoryBytes(data) / (double) Math.max(1, loadedSpans);
    report.paragraph("Skein's bytes on disk per span after a clean stop: **" + Report.fmt(perSpan, 0) + "** ("
        + Report.mib(Machine.directoryBytes(data)) + " for " + Report.fmt(loadedSpans, 0) + " spans).");
    report.metric(SUITE, "data set", "bytes_on_disk_per_span", perSpan, "bytes");
    report.target("Bytes on disk per span (search issue)", "≤ 60", Report.fmt(perSpan, 0), perSpan <= 60);
    new JmhSuite(ctx).runAnalytics();
  }

  private List<Kind> kinds(List<SpanMix.TraceInfo> traces, long startMicros, long endMicros, long zipkinEndMillis) {
    List<SpanMix.TraceInfo> sample = new ArrayList<>(traces);
    Collections.shuffle(sample, new Random(5));
    // Every timed query reads a trace of its own, and the warm-up reads others still.
    List<SpanMix.TraceInfo> byId = sample.subList(0, Math.min(sample.size(), timedQueries() + warmQueries()));
    String window = "&start=" + startMicros + "&end=" + endMicros;
    String zWindow = "&endTs=" + zipkinEndMillis + "&lookback=" + Duration.ofHours(1).toMillis();
    List<Kind> kinds = new ArrayList<>();
    kinds.add(new Kind("trace by ID",
        i -> "/api/traces/" + Hex.encode(byId.get(i % byId.size()).traceId()),
        i -> "/api/v2/trace/" + Hex.encode(byId.get(i % byId.size()).traceId()),
        n -> n.path("data").path(0).path("spans").size(), JsonNode::size,
        i -> byId.get(i % byId.size()).spans()));
    kinds.add(new Kind("search: service + minDuration 500ms, 1 h, limit 20",
        i -> "/api/traces?service=" + service(i) + "&minDuration=500ms&limit=20" + window,
        i -> "/api/v2/traces?serviceName=" + service(i) + "&minDuration=500000&limit=20" + zWindow,
        n -> n.path("data").size(), JsonNode::size, i -> 20));
    kinds.add(new Kind("search: attribute app.tenant, 1 h, limit 20",
        i -> "/api/traces?tags=" + enc("{\"app.tenant\":\"" + tenant(i) + "\"}") + "&limit=20" + window,
        i -> "/api/v2/traces?annotationQuery=" + enc("app.tenant=" + tenant(i)) + "&limit=20" + zWindow,
        n -> n.path("data").size(), JsonNode::size, i -> 20));
    return kinds;
  }

  private void compare(Kind kind, ServerProcess skein, ServerProcess zipkin) throws Exception {
    Http http = new Http();
    int untimed = timedQueries();
    Http.Timed probe = http.get(skein.url("query", kind.skeinPath().apply(untimed)));
    String suffix = zipkin == null ? " (Skein alone)" : "";
    if (probe.status() != 200) {
      String why = "HTTP " + probe.status() + ": " + new String(probe.body(), StandardCharsets.UTF_8).strip();
      report.subsection(kind.name() + suffix);
      report.paragraph("Skein cannot answer this yet: `" + kind.skeinPath().apply(untimed) + "` → " + why.replace("|", "\\|"));
      ctx.say("Query %s: Skein answered %s", kind.name(), why);
      target(kind, null, null, zipkin != null);
      return;
    }
    ctx.say("Query %s%s: %d rounds", kind.name(), suffix, ctx.rounds());
    warm(http, skein, "query", kind.skeinPath());
    if (zipkin != null) {
      warm(http, zipkin, "http", kind.zipkinPath());
    }
    List<Timing[]> rounds = new ArrayList<>();
    for (int r = 0; r < ctx.rounds(); r++) {
      Timing[] pair = new Timing[2];
      boolean skeinFirst = r % 2 == 0;
      for (int side = 0; side < 2; side++) {
        boolean isSkein = (side == 0) == skeinFirst;
        if (!isSkein && zipkin == null) {
          continue;
        }
        pair[isSkein ? 0 : 1] = isSkein
            ? time(http, skein.url("query", ""), r, kind.skeinPath(), kind.skeinCount(), kind.expected())
            : time(http, zipkin.url("http", ""), r, kind.zipkinPath(), kind.zipkinCount(), kind.expected());
      }
      rounds.add(pair);
    }
    report.subsection(kind.name() + suffix);
    List<List<String>> rows = new ArrayList<>();
    double[] speedups = new double[rounds.size()];
    List<Long> allSkein = new ArrayList<>();
    int wrongSkein = 0;
    int wrongZipkin = 0;
    String problem = "";
    for (int r = 0; r < rounds.size(); r++) {
      Timing s = rounds.get(r)[0];
      Timing z = rounds.get(r)[1];
      for (long v : s.sorted()) {
        allSkein.add(v);
      }
      wrongSkein += s.wrong();
      problem = problem.isEmpty() ? s.firstProblem() : problem;
      String scenario = kind.name() + suffix + " round " + (r + 1);
      report.metric(SUITE, scenario, "skein_p50", s.p50(), "ms");
      report.metric(SUITE, scenario, "skein_p99", s.p99(), "ms");
      if (z != null) {
        wrongZipkin += z.wrong();
        speedups[r] = z.p50() / s.p50();
        report.metric(SUITE, scenario, "zipkin_p50", z.p50(), "ms");
        report.metric(SUITE, scenario, "zipkin_p99", z.p99(), "ms");
        report.metric(SUITE, scenario, "zipkin_p50_over_skein_p50", speedups[r], "x");
        rows.add(List.of(Integer.toString(r + 1), Report.fmt(s.p50(), 2), Report.fmt(s.p99(), 2), Report.fmt(z.p50(), 2),
            Report.fmt(z.p99(), 2), Report.fmt(speedups[r], 2)));
      } else {
        rows.add(List.of(Integer.toString(r + 1), Report.fmt(s.p50(), 2), Report.fmt(s.p99(), 2)));
      }
    }
    long[] skeinAll = allSkein.stream().mapToLong(Long::longValue).sorted().toArray();
    double p50 = Stats.millis(Stats.percentile(skeinAll, 50));
    double p99 = Stats.millis(Stats.percentile(skeinAll, 99));
    if (zipkin != null) {
      report.table(List.of("round", "Skein p50 ms", "Skein p99 ms", "Zipkin p50 ms", "Zipkin p99 ms",
          "Zipkin p50 ÷ Skein p50"), rows);
      report.paragraph(String.format("Skein over all rounds: p50 %s ms, p99 %s ms. **Zipkin p50 ÷ Skein p50: median %s× "
          + "(min %s×, max %s×)**; above 1 means Skein is faster. Wrong answers: Skein %d, Zipkin %d%s.",
          Report.fmt(p50, 2), Report.fmt(p99, 2), Report.fmt(Stats.median(speedups), 2),
          Report.fmt(Stats.min(speedups), 2), Report.fmt(Stats.max(speedups), 2), wrongSkein, wrongZipkin,
          problem.isEmpty() ? "" : " (first of Skein's: " + problem + ")"));
    } else {
      report.table(List.of("round", "Skein p50 ms", "Skein p99 ms"), rows);
      report.paragraph(String.format("Over all rounds: p50 %s ms, p99 %s ms. Wrong answers: %d%s.",
          Report.fmt(p50, 2), Report.fmt(p99, 2), wrongSkein, problem.isEmpty() ? "" : " (first: " + problem + ")"));
    }
    report.metric(SUITE, kind.name() + suffix, "skein_p50_all_rounds", p50, "ms");
    report.metric(SUITE, kind.name() + suffix, "skein_p99_all_rounds", p99, "ms");
    report.metric(SUITE, kind.name() + suffix, "skein_wrong_answers", wrongSkein, "queries");
    target(kind, new double[] {p50, p99}, zipkin == null ? null : Stats.median(speedups), zipkin != null);
  }

  private void target(Kind kind, double[] skein, Double speedup, boolean compared) {
    String where = (ctx.quick ? " (quick data set)" : compared ? " (shared data set)" : " (10 M spans)");
    if (kind.name().startsWith("trace by ID")) {
      report.target("Trace by ID p99 (search issue)" + where, "≤ 20 ms",
          skein == null ? "not available" : Report.fmt(skein[1], 2) + " ms", skein == null ? null : skein[1] <= 20);
    } else {
      report.target(kind.name() + where, "p50 ≤ 50 ms, p99 ≤ 300 ms",
          skein == null ? "not available" : "p50 " + Report.fmt(skein[0], 2) + " ms, p99 " + Report.fmt(skein[1], 2) + " ms",
          skein == null ? null : skein[0] <= 50 && skein[1] <= 300);
    }
    if (compared && !kind.name().contains("attribute")) {
      report.target(kind.name() + ": faster than Zipkin on the same data", "Zipkin p50 ÷ Skein p50 > 1",
          speedup == null ? "not available" : "median " + Report.fmt(speedup, 2) + "×",
          speedup == null ? null : speedup > 1);
    }
  }

  /** Queries that are not timed, numbered after every timed one (so by ID, of other traces). */
  private void warm(Http http, ServerProcess server, String port, Function<Integer, String> path) throws Exception {
    int from = timedQueries();
    for (int i = from; i < from + warmQueries(); i++) {
      http.get(server.url(port, path.apply(i)));
    }
  }

  /** Times round {@code round}'s queries: numbers {@code round × n} to {@code round × n + n - 1}. */
  private Timing time(Http http, String base, int round, Function<Integer, String> path,
      ToIntFunction<JsonNode> count, ToIntFunction<Integer> expected) throws IOException {
    int n = queriesPerRound();
    long[] latencies = new long[n];
    int wrong = 0;
    String first = "";
    for (int q = 0; q < n; q++) {
      int i = round * n + q;
      Http.Timed t = http.get(base + path.apply(i));
      latencies[q] = t.nanos();
      String problem = check(t, count, expected.applyAsInt(i));
      if (problem != null) {
        wrong++;
        first = first.isEmpty() ? path.apply(i) + ": " + problem : first;
      }
    }
    java.util.Arrays.sort(latencies);
    return new Timing(latencies, wrong, first);
  }

  /** Null when the answer has the expected number of spans (by ID) or traces (search, at most the limit). */
  private static String check(Http.Timed t, ToIntFunction<JsonNode> count, int expected) {
    if (t.status() != 200) {
      return "HTTP " + t.status();
    }
    try {
      int got = count.applyAsInt(JSON.readTree(t.body()));
      return got == expected || (expected == 20 && got > 0 && got <= 20) ? null
          : got + " results (expected: " + (expected == 20 ? "1 to 20" : expected) + ")";
    } catch (IOException e) {
      return "not JSON: " + e.getMessage();
    }
  }

  /**
   * Adds OTLP/gRPC spans until Skein holds ten million, their traces starting in order from
   * {@code fromNanos} to {@code toNanos}; returns how many it took.
   */
  private long bulkLoad(ServerProcess skein, List<SpanMix.TraceInfo> traces, long fromNanos, long toNanos)
      throws InterruptedException {
    Workload template = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 6, 64, fromNanos,
        Duration.ofSeconds(2).toNanos(), 6L << 40);
    long have = traces.stream().mapToLong(SpanMix.TraceInfo::spans).sum();
    long requests = Math.max(0, (TEN_MILLION - have) / template.spansPerRequest());
    Workload otlp = template.advancing((toNanos - fromNanos) / Math.max(1, requests));
    ctx.say("Query: loading %,d more spans into Skein over OTLP gRPC", requests * otlp.spansPerRequest());
    Random keep = new Random(9);
    LoadGenerator.Result r = LoadGenerator.send("bulk", otlp, i -> new GrpcTransport("127.0.0.1", skein.port("grpc")),
        ctx.clients, requests, req -> {
          // Keep a sample of the new traces for trace-by-ID queries.
          if (keep.nextInt(50) == 0) {
            traces.addAll(otlp.traces(req));
          }
        });
    report.paragraph(String.format("Loaded %,d more spans over OTLP gRPC in %s s (%s spans/s).", r.totalAcceptedSpans(),
        Report.fmt(r.seconds(), 0), Report.fmt(r.totalAcceptedSpans() / r.seconds(), 0)));
    return r.totalAcceptedSpans();
  }

  private int queriesPerRound() {
    return ctx.quick ? 60 : 300;
  }

  /** Timed queries per kind and server over all rounds; untimed ones are numbered after them. */
  private int timedQueries() {
    return ctx.rounds() * queriesPerRound();
  }

  /**
   * Untimed queries per kind and server before the rounds. A freshly started server answered a
   * trace by ID in about 10 ms at first and about 4 ms once it had answered some 1,800 queries.
   */
  private int warmQueries() {
    return ctx.quick ? 200 : 1000;
  }

  private static String service(int i) {
    return SpanMix.SERVICE_NAMES[i % SpanMix.SERVICES];
  }

  private static String tenant(int i) {
    return String.format("tenant-%02d", i % SpanMix.TENANTS);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Sends to {@code a}, then to {@code b} when there is one; accepted only when both accepted. */
  private static Transport both(Transport a, Transport b) {
    return new Transport() {
      @Override
      public Outcome send(byte[] body) throws InterruptedException {
        Outcome first = a.send(body);
        if (first.kind() != Kind.ACCEPTED || b == null) {
          return first;
        }
        return b.send(body);
      }

      @Override
      public void close() {
        a.close();
        if (b != null) {
          b.close();
        }
      }
    };
  }
}
