package dev.skein.cluster.engines;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * The real engines of a Skein cluster, each a child JVM started from the jars its
 * {@code engines/} module resolved from Maven Central: one Kafka broker in KRaft mode (broker and
 * controller in one process) on 127.0.0.1, and three Cassandra 5.0 nodes on 127.0.0.1, 127.0.0.2
 * and 127.0.0.3 with small heaps, four tokens each (fixed, so the nodes join at once without
 * streaming) and one compactor. Data lives under {@code target/cluster}, so a stopped engine
 * restarts with everything it had.
 *
 * <p>The cluster tests share one set of engines across their test classes; {@code ./skein bench
 * cluster} starts its own. {@link #close()} stops every engine, and is safe to call more than once.
 */
public final class Engines implements AutoCloseable {
  /** The longest an engine may take to start; a bound against hangs, not a measurement. */
  public static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  public static final String DATACENTER = "datacenter1";
  public static final String[] CASSANDRA_HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};

  private final Path dir;
  private final Path kafkaLib;
  private final Path cassandraLib;
  private final int kafkaPort;
  private final int controllerPort;
  private final int nativePort;
  private final int storagePort;
  private Process kafka;
  private final Process[] cassandra = new Process[3];

  private Engines(Path dir, Path engines) {
    this.dir = dir;
    this.kafkaLib = engines.resolve("kafka/target/lib");
    this.cassandraLib = engines.resolve("cassandra/target/lib");
    for (Path lib : List.of(kafkaLib, cassandraLib)) {
      if (!Files.isDirectory(lib)) {
        throw new IllegalStateException(lib + " is missing (expected: the engine's jars; build the module in "
            + lib.getParent().getParent() + " with mvn package)");
      }
    }
    this.kafkaPort = freePort("127.0.0.1");
    this.controllerPort = freePort("127.0.0.1");
    this.nativePort = freePort(CASSANDRA_HOSTS);
    this.storagePort = freePort(CASSANDRA_HOSTS);
  }

  /**
   * Starts every engine with its data under the system property {@code skein.cluster.dir}
   * (default {@code target/cluster}) and its jars under {@code skein.engines} (default
   * {@code engines}), and waits until each answers.
   */
  public static Engines start() throws Exception {
    return start(Path.of(System.getProperty("skein.cluster.dir", "target/cluster")),
        Path.of(System.getProperty("skein.engines", "engines")));
  }

  /**
   * Starts every engine with its data in {@code dir} (emptied first) and its jars in
   * {@code engines/kafka/target/lib} and {@code engines/cassandra/target/lib}, and waits until
   * each answers. On failure, whatever was started is stopped again.
   */
  public static Engines start(Path dir, Path engines) throws Exception {
    Path data = dir.toAbsolutePath();
    deleteRecursively(data);
    Files.createDirectories(data);
    Engines e = new Engines(data, engines.toAbsolutePath());
    try {
      e.formatKafka();
      e.startKafka();
      e.startCassandra(0);
      e.awaitCassandraNodes(1);
      e.startCassandra(1);
      e.startCassandra(2);
      e.awaitCassandraNodes(3);
      e.awaitKafka();
      return e;
    } catch (Exception | Error failure) {
      e.close();
      throw failure;
    }
  }

  /** {@code 127.0.0.1:port} of the broker. */
  public String kafkaBootstrap() {
    return "127.0.0.1:" + kafkaPort;
  }

  /** {@code host:port} of each Cassandra node. */
  public List<String> cassandraContactPoints() {
    return Stream.of(CASSANDRA_HOSTS).map(h -> h + ":" + nativePort).collect(Collectors.toList());
  }

  public Path dir() {
    return dir;
  }

  /**
   * The process ID of each running engine, by name: {@code kafka}, {@code cassandra-1},
   * {@code cassandra-2} and {@code cassandra-3}; for measuring what each one costs.
   */
  public synchronized Map<String, Long> pids() {
    Map<String, Long> out = new LinkedHashMap<>();
    if (kafka != null && kafka.isAlive()) {
      out.put("kafka", kafka.pid());
    }
    for (int i = 0; i < cassandra.length; i++) {
      if (cassandra[i] != null && cassandra[i].isAlive()) {
        out.put("cassandra-" + (i + 1), cassandra[i].pid());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ Kafka

  private Path kafkaProperties() throws IOException {
    Path config = dir.resolve("kafka/server.properties");
    if (Files.exists(config)) {
      return config;
    }
    Files.createDirectories(config.getParent());
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + kafkaPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + kafkaPort);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.setProperty("log.dirs", dir.resolve("kafka/data").toString());
    // Four partitions per topic, so that two ingesters share the work.
    p.setProperty("num.partitions", "4");
    p.setProperty("auto.create.topics.enable", "true");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("log.flush.interval.messages", "1");
    try (var out = Files.newBufferedWriter(config)) {
      p.store(out, "Skein cluster tests: one KRaft broker");
    }
    return config;
  }

  private void formatKafka() throws Exception {
    Path config = kafkaProperties();
    // Kafka's own IDs never start with "-", which the tool would read as an option.
    String clusterId = Uuid.randomUuid().toString();
    Process format = java(kafkaLib, List.of("-Xmx256m"), "kafka.tools.StorageTool",
        List.of("format", "--cluster-id=" + clusterId, "--config=" + config), dir.resolve("kafka/format.log"));
    if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IllegalStateException("formatting Kafka's storage failed: " + tail(dir.resolve("kafka/format.log")));
    }
  }

  /** Starts the broker (again, after {@link #stopKafka()}), without waiting for it. */
  public synchronized void startKafka() throws IOException {
    if (kafka != null && kafka.isAlive()) {
      return;
    }
    kafka = java(kafkaLib, List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:ActiveProcessorCount=2",
        "-Djava.awt.headless=true"), "kafka.Kafka", List.of(kafkaProperties().toString()),
        dir.resolve("kafka/broker.log"));
  }

  /** Waits until the broker answers a request for the cluster's nodes. */
  public void awaitKafka() throws InterruptedException {
    Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    try (Admin admin = Admin.create(config)) {
      await("the Kafka broker answers", () -> {
        checkAlive(kafka, "Kafka", dir.resolve("kafka/broker.log"));
        try {
          return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  /** Stops the broker (SIGTERM) and waits until it has exited. */
  public synchronized void stopKafka() throws InterruptedException {
    stop(kafka);
  }

  // ------------------------------------------------------------------ Cassandra

  private Path cassandraYaml(int node) throws IOException {
    Path home = dir.resolve("cassandra-" + (node + 1));
    Path yaml = home.resolve("cassandra.yaml");
    if (Files.exists(yaml)) {
      return yaml;
    }
    Files.createDirectories(home);
    String host = CASSANDRA_HOSTS[node];
    String text = String.join("\n",
        "cluster_name: skein-cluster-tests",
        "num_tokens: 4",
        "initial_token: " + tokens(node),
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "data_file_directories: [" + home.resolve("data") + "]",
        "commitlog_directory: " + home.resolve("commitlog"),
        "saved_caches_directory: " + home.resolve("saved_caches"),
        "hints_directory: " + home.resolve("hints"),
        "cdc_raw_directory: " + home.resolve("cdc_raw"),
        "commitlog_sync: periodic",
        "commitlog_sync_period: 10000ms",
        "commitlog_segment_size: 16MiB",
        "commitlog_total_space: 128MiB",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"" + CASSANDRA_HOSTS[0] + ":" + storagePort + "\"",
        "listen_address: " + host,
        "rpc_address: " + host,
        "storage_port: " + storagePort,
        "native_transport_port: " + nativePort,
        "start_native_transport: true",
        "endpoint_snitch: SimpleSnitch",
        "auto_bootstrap: false",
        "concurrent_compactors: 1",
        "concurrent_reads: 8",
        "concurrent_writes: 8",
        "concurrent_counter_writes: 2",
        "concurrent_materialized_view_writes: 2",
        "auto_snapshot: false",
        "snapshot_on_duplicate_row_detection: false",
        "authenticator: AllowAllAuthenticator",
        "authorizer: AllowAllAuthorizer",
        "memtable_allocation_type: heap_buffers",
        "memtable_heap_space: 64MiB",
        "file_cache_size: 32MiB",
        "key_cache_size: 8MiB",
        "counter_cache_size: 0MiB",
        "prepared_statements_cache_size: 8MiB",
        "hinted_handoff_enabled: true",
        "max_hint_window: 1h",
        "hints_flush_period: 1000ms",
        "batch_size_warn_threshold: 64KiB",
        "");
    Files.writeString(yaml, text);
    Files.writeString(home.resolve("logback.xml"), String.join("\n",
        "<configuration>",
        "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
        "    <file>" + home.resolve("system.log") + "</file>",
        "    <encoder><pattern>%date %level [%thread] %logger{20} %msg%n</pattern></encoder>",
        "  </appender>",
        "  <root level=\"INFO\"><appender-ref ref=\"FILE\"/></root>",
        "</configuration>", ""));
    return yaml;
  }

  /** Node {@code node}'s four of twelve evenly spaced tokens, interleaved with the other nodes'. */
  static String tokens(int node) {
    List<String> out = new ArrayList<>();
    java.math.BigInteger min = java.math.BigInteger.valueOf(Long.MIN_VALUE);
    java.math.BigInteger step = java.math.BigInteger.TWO.pow(64).divide(java.math.BigInteger.valueOf(12));
    for (int k = node; k < 12; k += 3) {
      out.add(min.add(step.multiply(java.math.BigInteger.valueOf(k))).toString());
    }
    return String.join(",", out);
  }

  /** Starts node {@code node} (0, 1 or 2), again after {@link #stopCassandra}, without waiting for it. */
  public synchronized void startCassandra(int node) throws IOException {
    if (cassandra[node] != null && cassandra[node].isAlive()) {
      return;
    }
    Path yaml = cassandraYaml(node);
    Path home = yaml.getParent();
    List<String> jvm = new ArrayList<>(List.of("-Xms256m", "-Xmx512m", "-Xss256k", "-XX:+UseG1GC",
        "-XX:MaxDirectMemorySize=256m", "-XX:ActiveProcessorCount=2", "-XX:+ExitOnOutOfMemoryError",
        "-Djava.net.preferIPv4Stack=true", "-Djdk.attach.allowAttachSelf=true",
        "-Dcassandra-foreground=yes", "-Dcassandra.config=" + yaml.toUri(), "-Dcassandra.storagedir=" + home,
        "-Dcassandra.logdir=" + home, "-Dlogback.configurationFile=" + home.resolve("logback.xml"),
        "-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=1000",
        "-Dcassandra.consistent.rangemovement=false", "-Dcassandra.superuser_setup_delay_ms=0",
        // Schema changes skip flushing the system tables: each test makes keyspaces, and the data
        // that matters is in the tests' own keyspaces, which stay durable.
        "-Dcassandra.unsafesystem=true",
        "-Dio.netty.tryReflectionSetAccessible=true", "-javaagent:" + jar(cassandraLib, "jamm-")));
    // What Cassandra's jvm17-server.options open up for it on Java 17.
    for (String export : List.of("java.base/jdk.internal.misc", "java.management.rmi/com.sun.jmx.remote.internal.rmi",
        "java.rmi/sun.rmi.registry", "java.rmi/sun.rmi.server", "java.sql/java.sql", "java.base/java.lang.ref",
        "jdk.unsupported/sun.misc", "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach")) {
      jvm.add("--add-exports");
      jvm.add(export + "=ALL-UNNAMED");
    }
    for (String open : List.of("java.base/java.lang.module", "java.base/jdk.internal.loader",
        "java.base/jdk.internal.ref", "java.base/jdk.internal.reflect", "java.base/jdk.internal.math",
        "java.base/jdk.internal.module", "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal",
        "java.base/sun.nio.ch", "java.base/java.io", "java.base/java.lang.reflect", "jdk.compiler/com.sun.tools.javac",
        "java.base/java.lang", "java.base/java.util")) {
      jvm.add("--add-opens");
      jvm.add(open + "=ALL-UNNAMED");
    }
    cassandra[node] = java(cassandraLib, jvm, "org.apache.cassandra.service.CassandraDaemon", List.of(),
        home.resolve("stdout.log"));
  }

  /** Stops node {@code node} (SIGTERM) and waits until it has exited. */
  public synchronized void stopCassandra(int node) throws InterruptedException {
    stop(cassandra[node]);
  }

  /** Waits until {@code count} nodes accept CQL and a client sees each of them up. */
  public void awaitCassandraNodes(int count) throws InterruptedException {
    for (int i = 0; i < count; i++) {
      int node = i;
      await("Cassandra node " + CASSANDRA_HOSTS[i] + " accepts CQL", () -> {
        checkAlive(cassandra[node], "Cassandra node " + CASSANDRA_HOSTS[node],
            dir.resolve("cassandra-" + (node + 1) + "/system.log"));
        return listening(CASSANDRA_HOSTS[node], nativePort);
      });
    }
    await(count + " Cassandra nodes see each other", () -> {
      try (CqlSession s = session()) {
        long up = s.getMetadata().getNodes().values().stream().map(Node::getState)
            .filter(st -> st == NodeState.UP).count();
        long peers = s.execute("SELECT peer FROM system.peers_v2").all().size();
        return up >= count && peers >= count - 1;
      } catch (RuntimeException e) {
        return false;
      }
    });
  }

  /** A driver session on every node, for test setup and checks. */
  public CqlSession session() {
    var b = CqlSession.builder().withLocalDatacenter(DATACENTER).withConfigLoader(DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .build());
    for (String host : CASSANDRA_HOSTS) {
      b.addContactPoint(new InetSocketAddress(host, nativePort));
    }
    return b.build();
  }

  // ------------------------------------------------------------------ processes

  private Process java(Path lib, List<String> jvm, String main, List<String> args, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.add("-cp");
    cmd.add(lib.toAbsolutePath() + File.separator + "*");
    cmd.add(main);
    cmd.addAll(args);
    Files.createDirectories(log.getParent());
    return new ProcessBuilder(cmd).directory(log.getParent().toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  private static String jar(Path lib, String prefix) throws IOException {
    try (Stream<Path> files = Files.list(lib)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
          .orElseThrow(() -> new IllegalStateException("no " + prefix + "*.jar in " + lib)).toString();
    }
  }

  private static void stop(Process p) throws InterruptedException {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void checkAlive(Process p, String what, Path log) {
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(what + " exited; the end of " + log + ":\n" + tail(log));
    }
  }

  public static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** Polls until {@code condition} holds; fails after {@link #START_TIMEOUT}, a bound against hangs. */
  public static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + START_TIMEOUT);
      }
      Thread.sleep(250);
    }
  }

  private static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port nothing listens on at any of {@code hosts}. */
  public static int freePort(String... hosts) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      boolean free = true;
      for (String host : hosts) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(host))) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
          break;
        }
      }
      if (free) {
        return port;
      }
    }
    throw new IllegalStateException("no free port on " + String.join(", ", hosts));
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Stops every engine. */
  @Override
  public void close() {
    List<Process> all = new ArrayList<>();
    all.add(kafka);
    all.addAll(java.util.Arrays.asList(cassandra));
    for (Process p : all) {
      if (p != null) {
        p.destroy();
      }
    }
    try {
      for (Process p : all) {
        if (p != null) {
          stop(p);
        }
      }
    } catch (InterruptedException e) {
      all.stream().filter(p -> p != null).forEach(Process::destroyForcibly);
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "Engines{kafka=" + kafkaBootstrap() + ", cassandra=" + cassandraContactPoints() + '}';
  }
}
