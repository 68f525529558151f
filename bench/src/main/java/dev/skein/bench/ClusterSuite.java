package dev.skein.bench;

import dev.skein.cluster.engines.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code ./skein bench cluster}: how many spans per second the scale-out deployment's ingesters
 * store, with one ingester and with two, for the same spans.
 *
 * <p>The engines are the cluster tests' ({@link Engines}): a KRaft Kafka broker and three
 * Cassandra nodes on 127.0.0.1 to 127.0.0.3, from the jars their modules resolved. Each Skein
 * role is the real server jar run with its configuration from {@code examples/cluster}, as
 * written, with a small overlay from this runner that only adds the ports it reads the roles'
 * own metrics from. For each measurement a fresh topic of {@link #PARTITIONS} partitions and a
 * fresh keyspace are used: the load generator sends the spans to a collector over OTLP gRPC, the
 * collector writes them to Kafka, and once every span is in Kafka the collector stops. Then the
 * ingesters start together and drain the topic into Cassandra. Writing the backlog first keeps
 * the collector and the load generator off the two cores while the ingesters are measured.
 *
 * <p>"Stored" is what the ingesters' storage exporters count in
 * {@code otelcol_exporter_sent_spans_total}: spans that Cassandra acknowledged at LOCAL_QUORUM.
 * A drain ends when they have counted every span the collector accepted and the consumer group's
 * committed offsets reach the end of every partition.
 */
final class ClusterSuite {
  /** Partitions of each topic: two ingesters need at least two; four leaves room for four. */
  static final int PARTITIONS = 4;
  private static final String SUITE = "cluster";
  private static final String STORED = "otelcol_exporter_sent_spans_total{exporter=\"storage\"}";
  private static final String FAILED = "otelcol_exporter_send_failed_spans_total{exporter=\"storage\"}";
  private static final String IN_KAFKA = "otelcol_exporter_sent_spans_total{exporter=\"kafka\"}";
  private static final List<Integer> INGESTERS = List.of(1, 2);
  private static final Duration POLL = Duration.ofMillis(500);

  private final BenchContext ctx;
  private final Report report;
  /** Every Skein process this suite started and has not stopped yet, for the shutdown hook. */
  private final List<ServerProcess> running = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** CPU ticks per process and of the whole machine at one moment of a drain, and the spans stored by then. */
  record Sample(long nanos, double stored, Map<String, Long> ticks, long machineTicks) {}

  /** One drain of {@code spans} spans by {@code ingesters} ingesters. */
  record Drain(int ingesters, int round, long spans, double stored, boolean complete, double spansPerSecond,
      double firstToLastSeconds, Map<String, Double> cores, double otherCores, long lagAtEnd, String assignment,
      double failed, double fillSpansPerSecond, double collectorCpuPerMillion) {
    double ingesterCores() {
      return cores.entrySet().stream().filter(e -> e.getKey().startsWith("ingester"))
          .mapToDouble(Map.Entry::getValue).sum();
    }

    double ingesterCpuPerMillion() {
      return ingesterCores() / spansPerSecond * 1e6;
    }
  }

  ClusterSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.report = ctx.report;
  }

  void run() throws Exception {
    long spans = ctx.quick ? 20_000 : 200_000;
    int rounds = ctx.quick ? 1 : 3;
    for (String role : List.of("collector.yaml", "ingester.yaml")) {
      if (!Files.isRegularFile(ctx.clusterExamples.resolve(role))) {
        throw new IllegalStateException(ctx.clusterExamples.resolve(role) + " is missing (expected: the scale-out "
            + "role configurations; pass --cluster-examples DIR)");
      }
    }
    report.section("Scale-out: one and two ingesters");
    ctx.say("Cluster: starting Kafka (KRaft) and three Cassandra nodes from %s", ctx.engines);
    long t0 = System.nanoTime();
    List<Drain> drains = new ArrayList<>();
    double engineStart;
    Engines engines = Engines.start(ctx.work.resolve("cluster-engines"), ctx.engines);
    // Ctrl-C or SIGTERM must not leave Kafka, Cassandra or a Skein role running.
    Thread hook = new Thread(() -> {
      try {
        for (ServerProcess p : running) {
          p.kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      engines.close();
    }, "stop-cluster");
    Runtime.getRuntime().addShutdownHook(hook);
    try (engines; Admin admin = Admin.create(Map.of("bootstrap.servers", engines.kafkaBootstrap()))) {
      engineStart = (System.nanoTime() - t0) / 1e9;
      ctx.say("Cluster: engines up in %.0f s (%s)", engineStart, engines);
      // Alternating, so that a change in the machine's load over the run does not favour one side.
      for (int round = 1; round <= rounds; round++) {
        for (int n : INGESTERS) {
          drains.add(drain(engines, admin, n, round, spans));
        }
      }
    } finally {
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    write(drains, spans, rounds, engineStart);
  }

  private Drain drain(Engines engines, Admin admin, int n, int round, long spans) throws Exception {
    String tag = n + "-" + round;
    String topic = "bench-spans-" + tag;
    String group = "bench-ingesters-" + tag;
    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      env.put("SKEIN_KAFKA_BROKER_" + i, engines.kafkaBootstrap());
      env.put("SKEIN_CASSANDRA_" + i, engines.cassandraContactPoints().get(i - 1));
    }
    env.put("SKEIN_KAFKA_TOPIC", topic);
    env.put("SKEIN_CASSANDRA_KEYSPACE", "bench_" + n + "_" + round);
    env.put("SKEIN_INGESTER_GROUP", group);
    Path dir = ctx.dir("cluster-" + tag);

    // The backlog: every span through the collector into Kafka.
    Map<String, Integer> ports = ports("grpc", "http", "health", "telemetry");
    Map<String, String> collectorEnv = new LinkedHashMap<>(env);
    collectorEnv.put("SKEIN_OTLP_GRPC_ENDPOINT", "127.0.0.1:" + ports.get("grpc"));
    collectorEnv.put("SKEIN_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + ports.get("http"));
    collectorEnv.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + ports.get("health"));
    collectorEnv.put("SKEIN_TELEMETRY_ENDPOINT", "127.0.0.1:" + ports.get("telemetry"));
    collectorEnv.put("SKEIN_QUEUE_DIR", dir.resolve("queue").toString());
    ctx.say("Cluster %s: the collector puts %,d spans into topic %s (%d partitions)", tag, spans, topic, PARTITIONS);
    ServerProcess collector = ServerProcess.role("collector", ctx.serverJar,
        List.of(ctx.clusterExamples.resolve("collector.yaml"), ctx.resource("cluster-collector.yaml")), collectorEnv,
        dir.resolve("collector.log"), ports, "health");
    running.add(collector);
    LoadGenerator.Result fill;
    double collectorCpu;
    try {
      Workload workload = Workload.create(Workload.Encoding.OTLP_PROTOBUF, 11 + round, 32,
          System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(10).toNanos(), Duration.ofMinutes(5).toNanos(),
          (long) (16 + 2 * round + n) << 40);
      long requests = (spans + workload.spansPerRequest() - 1) / workload.spansPerRequest();
      long cpu0 = ProcStats.cpuTicks(collector.pid());
      fill = LoadGenerator.send("fill " + tag, workload, i -> new GrpcTransport("127.0.0.1", collector.port("grpc")),
          ctx.clients, requests, r -> { });
      long accepted = fill.totalAcceptedSpans();
      awaitCondition("the collector wrote " + accepted + " spans to Kafka", Duration.ofMinutes(5),
          () -> collector.telemetry(IN_KAFKA) >= accepted);
      collectorCpu = (ProcStats.cpuTicks(collector.pid()) - cpu0) / (double) ProcStats.ticksPerSecond();
    } finally {
      collector.stop();
      running.remove(collector);
    }
    long accepted = fill.totalAcceptedSpans();
    ctx.say("Cluster %s: %,d spans in Kafka (collector took %s spans/s); starting %d ingester%s", tag, accepted,
        Report.fmt(fill.spansPerSecond(), 0), n, n == 1 ? "" : "s");

    // The drain.
    List<ServerProcess> ingesters = startIngesters(n, env, dir);
    running.addAll(ingesters);
    List<Sample> samples = new ArrayList<>();
    long lag = -1;
    String assignment;
    double failed = 0;
    boolean complete = false;
    try {
      Map<String, Long> pids = new LinkedHashMap<>();
      for (ServerProcess p : ingesters) {
        pids.put(p.name, p.pid());
      }
      pids.putAll(engines.pids());
      pids.put("benchmark runner", ProcessHandle.current().pid());
      long deadline = System.nanoTime() + drainLimit().toNanos();
      while (System.nanoTime() < deadline) {
        samples.add(sample(ingesters, pids));
        if (samples.get(samples.size() - 1).stored() >= accepted) {
          lag = lag(admin, group, topic);
          if (lag == 0) {
            complete = true;
            break;
          }
        }
        for (ServerProcess p : ingesters) {
          if (!p.alive()) {
            throw new IllegalStateException(p.name + " exited during the drain; see " + p.log);
          }
        }
        Thread.sleep(POLL.toMillis());
      }
      if (!complete) {
        lag = lag(admin, group, topic);
      }
      assignment = assignment(admin, group);
      for (ServerProcess p : ingesters) {
        failed += p.telemetry(FAILED);
      }
    } finally {
      for (ServerProcess p : ingesters) {
        p.stop();
        running.remove(p);
      }
    }
    Drain d = summarize(n, round, accepted, samples, complete, lag, assignment, failed, fill, collectorCpu);
    ctx.say("Cluster %s: %s spans/s stored with %d ingester%s (%s s from first to last), lag %d%s", tag,
        Report.fmt(d.spansPerSecond(), 0), n, n == 1 ? "" : "s", Report.fmt(d.firstToLastSeconds(), 1), lag,
        complete ? "" : ", NOT COMPLETE");
    return d;
  }

  private List<ServerProcess> startIngesters(int n, Map<String, String> env, Path dir) throws Exception {
    // Started together, so that they join the consumer group at about the same time.
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Future<ServerProcess>> starting = new ArrayList<>();
    try {
      for (int i = 1; i <= n; i++) {
        String name = "ingester-" + i;
        Map<String, Integer> ports = ports("health", "telemetry");
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("SKEIN_NODE_NAME", name);
        e.put("SKEIN_HEALTH_ENDPOINT", "127.0.0.1:" + ports.get("health"));
        e.put("SKEIN_TELEMETRY_ENDPOINT", "127.0.0.1:" + ports.get("telemetry"));
        List<Path> configs = List.of(ctx.clusterExamples.resolve("ingester.yaml"), ctx.resource("cluster-ingester.yaml"));
        starting.add(pool.submit(() -> ServerProcess.role(name, ctx.serverJar, configs, e, dir.resolve(name + ".log"),
            ports, "health")));
      }
      List<ServerProcess> started = new ArrayList<>();
      Exception failure = null;
      for (Future<ServerProcess> f : starting) {
        try {
          started.add(f.get());
        } catch (java.util.concurrent.ExecutionException ex) {
          failure = ex.getCause() instanceof Exception c ? c : ex;
        }
      }
      if (failure != null) {
        for (ServerProcess p : started) {
          p.stop();
        }
        throw failure;
      }
      return started;
    } finally {
      pool.shutdown();
    }
  }

  private static Sample sample(List<ServerProcess> ingesters, Map<String, Long> pids) throws Exception {
    long machine = ProcStats.machineBusyTicks();
    Map<String, Long> ticks = new LinkedHashMap<>();
    pids.forEach((name, pid) -> ticks.put(name, ProcStats.cpuTicks(pid)));
    double stored = 0;
    for (ServerProcess p : ingesters) {
      stored += p.telemetry(STORED);
    }
    return new Sample(System.nanoTime(), stored, ticks, machine);
  }

  /** Messages in {@code topic} that {@code group} has not committed yet. */
  private static long lag(Admin admin, String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    long lag = 0;
    for (var e : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      lag += e.getValue().offset() - (c == null ? 0 : c.offset());
    }
    return lag;
  }

  /** Partitions per member of the group, as {@code ingester-1: 2, ingester-2: 2}. */
  private static String assignment(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
        .get(30, TimeUnit.SECONDS);
    return d.members().stream().sorted((a, b) -> a.clientId().compareTo(b.clientId()))
        .map(m -> m.clientId() + ": " + m.assignment().topicPartitions().size())
        .collect(Collectors.joining(", "));
  }

  /**
   * The steady rate: spans stored from the first sample at 10 % of the spans to the first at 90 %,
   * which leaves out the ingesters' start (JVM, schema, joining the group) and the last partition's
   * tail. CPU is over the same window.
   */
  private Drain summarize(int n, int round, long spans, List<Sample> samples, boolean complete, long lag,
      String assignment, double failed, LoadGenerator.Result fill, double collectorCpu) {
    Sample last = samples.get(samples.size() - 1);
    // A drain that never reached 10 % is measured over its whole time, from the ingesters' start.
    Sample from = Objects.requireNonNullElse(first(samples, 0.1 * spans), samples.get(0));
    // A drain cut short by the time limit is measured up to where it stopped.
    Sample to = complete ? first(samples, 0.9 * spans) : last;
    Sample firstStored = first(samples, 1);
    double rate = Double.NaN;
    Map<String, Double> cores = new LinkedHashMap<>();
    double other = Double.NaN;
    if (from != null && to != null && to.nanos() > from.nanos()) {
      double seconds = (to.nanos() - from.nanos()) / 1e9;
      rate = (to.stored() - from.stored()) / seconds;
      double hz = ProcStats.ticksPerSecond();
      double ours = 0;
      for (String name : to.ticks().keySet()) {
        double c = (to.ticks().get(name) - from.ticks().get(name)) / hz / seconds;
        cores.put(name, c);
        ours += c;
      }
      other = Math.max(0, (to.machineTicks() - from.machineTicks()) / hz / seconds - ours);
      ctx.otherLoad.add(other);
    }
    double firstToLast = firstStored == null ? Double.NaN : (last.nanos() - firstStored.nanos()) / 1e9;
    return new Drain(n, round, spans, last.stored(), complete, rate, firstToLast, cores, other, lag, assignment,
        failed, fill.spansPerSecond(), collectorCpu / (fill.totalAcceptedSpans() / 1e6));
  }

  private Duration drainLimit() {
    return ctx.quick ? Duration.ofMinutes(3) : Duration.ofMinutes(30);
  }

  private static Sample first(List<Sample> samples, double stored) {
    return samples.stream().filter(s -> s.stored() >= stored).findFirst().orElse(null);
  }

  private void write(List<Drain> drains, long spans, int rounds, double engineStart) {
    report.paragraph("The scale-out deployment of `examples/cluster` on this one machine: a KRaft Kafka broker and "
        + "three Cassandra 5.0 nodes (127.0.0.1 to 127.0.0.3, replication factor 3, writes at LOCAL_QUORUM), started "
        + "as the cluster tests start them (in " + Report.fmt(engineStart, 0) + " s), and Skein's collector and "
        + "ingester roles, each the real server jar with its configuration from `examples/cluster`. For each "
        + "measurement, a fresh topic of " + PARTITIONS + " partitions and a fresh keyspace: the load generator sends "
        + String.format("%,d", spans) + " spans over OTLP gRPC to the collector (" + ctx.clients + " clients), which "
        + "writes them to Kafka and is then stopped; then one or two ingesters start together and store the backlog "
        + "in Cassandra. Stored spans/s is what the ingesters' storage exporters counted "
        + "(`otelcol_exporter_sent_spans_total{exporter=\"storage\"}`: spans Cassandra acknowledged) between the first "
        + "moment they had stored 10 % of the spans and the first moment they had stored 90 %, polled every "
        + POLL.toMillis() + " ms; CPU is over the same window, in cores (2 in all). A drain is complete when the "
        + "ingesters counted every span and the consumer group's committed offsets reached the end of every "
        + "partition (lag 0); one that has not ended after " + drainLimit().toMinutes() + " min is stopped there "
        + "and measured from 10 % (or, if it never got there, from the ingesters' start) to where it stopped (\"not complete\" in the table). A write that Cassandra refuses or times out is counted in "
        + "`otelcol_exporter_send_failed_spans_total` and retried by the ingester (its Kafka offsets stay uncommitted). "
        + rounds + " round" + (rounds == 1 ? "" : "s") + ", one ingester then two.");
    List<List<String>> rows = new ArrayList<>();
    for (Drain d : drains) {
      String engines = d.cores().entrySet().stream().filter(e -> e.getKey().startsWith("cassandra"))
          .map(e -> Report.fmt(e.getValue(), 2)).collect(Collectors.joining(" + "));
      String perIngester = d.cores().entrySet().stream().filter(e -> e.getKey().startsWith("ingester"))
          .map(e -> Report.fmt(e.getValue(), 2)).collect(Collectors.joining(" + "));
      rows.add(List.of(Integer.toString(d.ingesters()), Integer.toString(d.round()), String.format("%,d", d.spans()),
          Report.fmt(d.spansPerSecond(), 0), Report.fmt(d.firstToLastSeconds(), 1),
          perIngester.isEmpty() ? "n/a" : perIngester, Report.fmt(d.cores().getOrDefault("kafka", Double.NaN), 2),
          engines.isEmpty() ? "n/a" : engines, Report.fmt(d.cores().getOrDefault("benchmark runner", Double.NaN), 2),
          Report.fmt(d.otherCores(), 2), d.assignment().isEmpty() ? "n/a" : d.assignment(), Report.fmt(d.failed(), 0),
          Long.toString(d.lagAtEnd()) + (d.complete() ? "" : " (not complete)")));
      String scenario = d.ingesters() + " ingester" + (d.ingesters() == 1 ? "" : "s") + ", round " + d.round();
      report.metric(SUITE, scenario, "stored_spans_per_second", d.spansPerSecond(), "spans/s");
      report.metric(SUITE, scenario, "first_to_last_stored", d.firstToLastSeconds(), "s");
      report.metric(SUITE, scenario, "spans", d.spans(), "spans");
      report.metric(SUITE, scenario, "stored_spans_counted", d.stored(), "spans");
      report.metric(SUITE, scenario, "consumer_lag_at_end", d.lagAtEnd(), "messages");
      report.metric(SUITE, scenario, "storage_send_failed_spans", d.failed(), "spans");
      report.metric(SUITE, scenario, "partitions", PARTITIONS, "partitions");
      d.cores().forEach((name, c) -> report.metric(SUITE, scenario, "cpu_cores:" + name, c, "cores"));
      report.metric(SUITE, scenario, "other_processes_cpu_cores", d.otherCores(), "cores");
      report.metric(SUITE, scenario, "collector_fill_spans_per_second", d.fillSpansPerSecond(), "spans/s");
      report.metric(SUITE, scenario, "collector_cpu_seconds_per_million_spans", d.collectorCpuPerMillion(), "s");
    }
    report.table(List.of("ingesters", "round", "spans", "stored spans/s", "first to last stored (s)",
        "ingester CPU (cores)", "Kafka CPU (cores)", "Cassandra CPU, 3 nodes (cores)", "runner CPU (cores)",
        "other processes (cores)", "partitions per ingester", "spans refused by Cassandra, retried", "lag at end"),
        rows);
    double one = median(with(drains, 1), Drain::spansPerSecond);
    double two = median(with(drains, 2), Drain::spansPerSecond);
    double scaling = two / one;
    report.metric(SUITE, "scaling", "two_over_one_ingester", scaling, "x");
    report.paragraph("Median stored spans/s: " + Report.fmt(one, 0) + " with one ingester, " + Report.fmt(two, 0)
        + " with two: a scaling factor of " + Report.fmt(scaling, 2) + "×, with " + PARTITIONS + " partitions. "
        + String.format("Ingester CPU per million spans stored: %s s with one, %s s with two.",
            Report.fmt(median(with(drains, 1), Drain::ingesterCpuPerMillion), 1),
            Report.fmt(median(with(drains, 2), Drain::ingesterCpuPerMillion), 1)));
    double fill = median(drains, Drain::fillSpansPerSecond);
    double collectorCpu = median(drains, Drain::collectorCpuPerMillion);
    report.paragraph("Filling the topic, the collector accepted a median " + Report.fmt(fill, 0) + " spans/s from "
        + ctx.clients + " clients, at " + Report.fmt(collectorCpu, 1) + " CPU s per million spans (from the first "
        + "request until every span was in Kafka).");
    ctx.say("Cluster: %s spans/s with one ingester, %s with two (%s×)", Report.fmt(one, 0), Report.fmt(two, 0),
        Report.fmt(scaling, 2));
  }

  private static double median(List<Drain> drains, java.util.function.ToDoubleFunction<Drain> value) {
    double[] v = drains.stream().mapToDouble(value).filter(x -> !Double.isNaN(x)).toArray();
    return v.length == 0 ? Double.NaN : Stats.median(v);
  }

  private static List<Drain> with(List<Drain> drains, int ingesters) {
    return drains.stream().filter(d -> d.ingesters() == ingesters).toList();
  }

  private static Map<String, Integer> ports(String... names) throws java.io.IOException {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : names) {
      ports.put(name, ServerProcess.freePort());
    }
    return ports;
  }

  /** A check that may fail to ask, which counts as "not yet". */
  interface Check {
    boolean holds() throws java.io.IOException, InterruptedException;
  }

  private static void awaitCondition(String what, Duration timeout, Check check) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // Asked again below.
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s");
  }
}
