package dev.skein.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Skein's benchmark runner, what {@code ./skein bench SUITE [--quick]} starts: it runs the real
 * server jar (and Zipkin server's) as separate processes on free loopback ports, drives them, and
 * writes {@code SUITE[-quick].md} and {@code .csv} into the results directory. Exit code 0 when
 * the run completed, whether or not every target was met (the report says which were missed); 1
 * when it could not run; 2 for a usage error.
 */
@Command(name = "skein bench", mixinStandardHelpOptions = true, version = "Skein 0.1.0",
    description = "Runs Skein's benchmarks against the real server jar and writes Markdown and CSV results.")
public final class BenchMain implements Callable<Integer> {
  /** The suites, in the order {@code all} runs them. */
  public static final List<String> SUITES = List.of("ingest", "query", "metrics", "reliability");

  /**
   * Suites that {@code all} leaves out: {@code cluster} starts Kafka and three Cassandra nodes
   * beside Skein, which needs the machine to itself for as long as the rest together.
   */
  public static final List<String> SEPARATE = List.of("cluster");

  @Parameters(index = "0", paramLabel = "SUITE",
      description = "ingest, query, metrics, reliability, all (those four) or cluster.")
  String suite;

  @Option(names = "--quick",
      description = "A short run (about ten minutes for all): shorter windows, fewer rounds, a smaller query data set.")
  boolean quick;

  @Option(names = "--clients", paramLabel = "N", defaultValue = "32",
      description = "Concurrent load clients for the ingest scenarios (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--server-jar", paramLabel = "FILE", defaultValue = "server/target/skein.jar",
      description = "The Skein server jar to benchmark (default: ${DEFAULT-VALUE}).")
  Path serverJar;

  @Option(names = "--zipkin-jar", paramLabel = "FILE", defaultValue = "bench/target/zipkin/zipkin-server-exec.jar",
      description = "Zipkin server's exec jar (default: ${DEFAULT-VALUE}).")
  Path zipkinJar;

  @Option(names = "--results", paramLabel = "DIR", defaultValue = "bench/results",
      description = "Where to write SUITE[-quick].md and .csv (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench/target/work",
      description = "Data directories, server logs, JFR recordings (default: ${DEFAULT-VALUE}).")
  Path work;

  @Option(names = "--engines", paramLabel = "DIR", defaultValue = "cluster-tests/engines",
      description = "For cluster: the engines' modules, with Kafka's and Cassandra's jars in kafka/target/lib and "
          + "cassandra/target/lib (default: ${DEFAULT-VALUE}).")
  Path engines;

  @Option(names = "--cluster-examples", paramLabel = "DIR", defaultValue = "examples/cluster",
      description = "For cluster: the collector.yaml and ingester.yaml to run (default: ${DEFAULT-VALUE}).")
  Path clusterExamples;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String s = suite.toLowerCase(Locale.ROOT);
    if (!s.equals("all") && !SUITES.contains(s) && !SEPARATE.contains(s)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "SUITE: " + suite + " (expected: ingest, query, metrics, reliability, all or cluster)");
    }
    if (clients <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--clients: " + clients + " (expected: > 0)");
    }
    if (!Files.isRegularFile(serverJar)) {
      spec.commandLine().getErr().println("skein bench: the server jar " + serverJar
          + " does not exist (expected: built by ./skein bench or mvn install)");
      return 1;
    }
    Files.createDirectories(work);
    String jarBuilt = modified(serverJar);
    String source = source(serverJar);
    // A private copy: a rebuild of the server during the run must not change what is measured.
    Path underTest = work.resolve("skein-under-test.jar");
    Files.copy(serverJar, underTest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BenchContext ctx = new BenchContext(quick, clients, underTest, zipkinJar, work, engines, clusterExamples);
    String started = ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME);
    String loadBefore = ProcStats.loadAverage();
    String shownJar = shown(serverJar).toString();
    String command = System.getenv().getOrDefault("SKEIN_BENCH_COMMAND",
        "java -jar bench/target/skein-bench.jar " + s + (quick ? " --quick" : ""))
        .replace(serverJar.toString(), shownJar);
    List<String> run = s.equals("all") ? SUITES : List.of(s);
    for (String name : run) {
      ctx.say("== %s ==", name);
      switch (name) {
        case "ingest" -> new IngestSuite(ctx).run();
        case "query" -> new QuerySuite(ctx).run();
        case "metrics" -> new MetricsSuite(ctx).run();
        case "reliability" -> new ReliabilitySuite(ctx).run();
        case "cluster" -> new ClusterSuite(ctx).run();
        default -> throw new IllegalStateException(name);
      }
    }
    String loadAfter = ProcStats.loadAverage();
    header(ctx, shownJar + "`, built " + jarBuilt, source, s, started, command, loadBefore, loadAfter);
    String base = s + (quick ? "-quick" : "");
    Path md = results.resolve(base + ".md");
    ctx.report.write(md, results.resolve(base + ".csv"));
    ctx.say("Results: %s and %s", md, results.resolve(base + ".csv"));
    long missed = ctx.report.targets().stream().filter(t -> Boolean.FALSE.equals(t.met())).count();
    ctx.say("%d of %d targets missed", missed, ctx.report.targets().stream().filter(t -> t.met() != null).count());
    return 0;
  }

  /**
   * {@code path} relative to the working directory when it is inside it, and otherwise only its
   * file name under {@code ...}, so results name no machine's paths.
   */
  static Path shown(Path path) {
    Path here = Path.of("").toAbsolutePath();
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(here) ? here.relativize(absolute) : Path.of("...", String.valueOf(absolute.getFileName()));
  }

  private static void header(BenchContext ctx, String serverJar, String source, String suite, String started,
      String command, String loadBefore, String loadAfter) {
    Report r = ctx.report;
    r.header("# Skein benchmark results: " + suite + (ctx.quick ? " (--quick)" : ""));
    double maxOther = ctx.otherLoad.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double meanOther = ctx.otherLoad.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    r.header("Run on " + started + " with `" + command + "`. Written by the benchmark itself; every figure below "
        + "comes from this one run on this one machine.");
    r.header("| machine | |\n| --- | --- |\n"
        + "| `nproc` | " + Machine.cores() + " |\n"
        + "| CPU (`/proc/cpuinfo`) | " + Machine.cpuModel() + " |\n"
        + "| memory (`free -h`, total) | " + totalMemory() + " |\n"
        + "| kernel | " + Machine.run("uname", "-r") + " |\n"
        + "| Java | " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " |\n"
        + "| server under test | `" + serverJar + " (copied before the run) |\n"
        + "| source tree | " + source + " |\n"
        + "| load average (1, 5, 15 min) before / after | " + loadBefore + " / " + loadAfter + " |\n"
        + "| other processes' CPU during measured windows | mean " + Report.fmt(meanOther, 2) + " cores, max "
        + Report.fmt(maxOther, 2) + " cores of " + Machine.cores() + " |");
    if (maxOther >= 0.2) {
      r.header("**The machine was shared**: other processes (such as other builds) used up to "
          + Report.fmt(maxOther, 2) + " of its " + Machine.cores() + " cores during the measured windows (the "
          + "\"other processes\" columns say how much in each). The benchmark's own load generator also runs here. "
          + "Absolute figures are lower than on an idle machine; the side-by-side ratios are less affected, since "
          + "rounds alternate.");
    }
    r.header("```\n$ free -h\n" + Machine.run("free", "-h") + "\n```");
  }

  private static String modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    } catch (java.io.IOException e) {
      return "at an unknown time";
    }
  }

  /** The commit the jar's checkout is at, and whether it had uncommitted changes (the jar may hold them). */
  private static String source(Path jar) {
    String dir = jar.toAbsolutePath().getParent().toString();
    String head = Machine.run("git", "-C", dir, "log", "-1", "--format=%h %s");
    if (head.startsWith("fatal") || head.contains("git:")) {
      return "not a git checkout";
    }
    long changed = Machine.run("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").lines()
        .filter(l -> !l.isBlank()).count();
    return "commit " + head.replace("|", "\\|") + (changed == 0 ? "" : "; " + changed + " tracked files had uncommitted changes");
  }

  private static String totalMemory() {
    for (String line : Machine.run("free", "-h").split("\n")) {
      if (line.startsWith("Mem:")) {
        return line.trim().split("\\s+")[1];
      }
    }
    return "unknown";
  }
}
