package dev.skein.storage.cassandra;

import static java.util.Objects.requireNonNull;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.internal.core.session.throttling.ConcurrencyLimitingRequestThrottler;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skein.model.Hex;
import dev.skein.model.Ids;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.Operation;
import dev.skein.storage.SpanKinds;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.search.DependencyLink;
import dev.skein.storage.search.SearchResult;
import dev.skein.storage.search.TagQuery;
import dev.skein.storage.search.TagValue;
import dev.skein.storage.search.TraceQuery;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TraceStore} on Apache Cassandra, through the Apache Cassandra Java driver. Built with
 * {@link #builder()}; the builder connects and, unless told not to, creates the keyspace (with
 * {@code NetworkTopologyStrategy} and the given replication factor in the local datacenter) and
 * its tables.
 *
 * <p><b>Writes</b> complete once every row of the batch is acknowledged at the configured
 * consistency ({@code LOCAL_QUORUM} by default), so with replication factor 3 they survive the
 * loss of any one node. They are idempotent: a span's row is keyed by a digest of the span with
 * its resource and scope, so writing it again (a retry, or a message read twice from Kafka)
 * overwrites the same row, and every index entry is likewise keyed by what it indexes. Each row is
 * written with a TTL that ends {@code retention} after the span's start; a span already older than
 * that is not written at all.
 *
 * <p><b>Reads</b> by trace ID, services and operations read one partition each. A search reads
 * the index table that fits the query best (trace start hour; service; service and operation;
 * service and attribute; service, operation and span duration) to find candidate traces, then reads
 * each candidate and evaluates the whole query on it, so its answers are exactly those of the SPI.
 * Dependencies and tag listings read every trace that started in their time range. Each of these
 * refuses, with an {@link IllegalArgumentException} naming the limit, to read more than
 * {@code maxTracesPerSearch} traces; index entries are found for spans starting up to an hour
 * after their trace's start time range. TraceQL's structural operators are not offered
 * ({@link Capability#TRACEQL_STRUCTURAL} is not declared): paging through them would read whole
 * traces page after page.
 *
 * <p>Thread-safe. {@link #close()} waits for writes in flight, then closes the session.
 */
public final class CassandraTraceStore implements TraceStore {
  private static final Logger log = LoggerFactory.getLogger(CassandraTraceStore.class);
  private static final Pattern KEYSPACE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,47}");
  /** Index entries of an attribute are written only for keys and values up to this length. */
  static final int MAX_INDEXED_TAG = 256;
  /**
   * Rows being written at once by one store. Below the driver's throttler limit, so a statement's
   * request timeout runs only while Cassandra works on it; see {@link WriteQueue}.
   */
  static final int MAX_WRITES_IN_FLIGHT = 128;
  /** How long an index entry of a service or operation is trusted not to need rewriting. */
  private static final long REFRESH_SECONDS = 600;

  private static final Capabilities CAPABILITIES = Capabilities.of(Capability.TRACE_BY_ID, Capability.DURABLE,
      Capability.RETENTION, Capability.SEARCH, Capability.DEPENDENCIES, Capability.TAGS);

  final CqlSession session;
  final String keyspace;
  final Duration retention;
  final int maxTracesPerSearch;
  final LongSupplier clock;
  final Statements statements;
  private final WriteQueue writes;
  private final Object lock = new Object();
  private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();
  /** What was written recently, with the expiry (epoch seconds) it was written with. */
  private final ConcurrentMap<Object, Long> recentlyWritten = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private CassandraTraceStore(Builder b, CqlSession session) {
    this.session = session;
    this.keyspace = b.keyspace;
    this.retention = b.retention;
    this.maxTracesPerSearch = b.maxTracesPerSearch;
    this.clock = b.clock;
    this.statements = new Statements(session, keyspace);
    this.writes = new WriteQueue(session, MAX_WRITES_IN_FLIGHT);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  // ---------------------------------------------------------------- writes

  @Override
  public CompletableFuture<Void> write(Traces traces) {
    requireNonNull(traces, "traces");
    List<BoundStatement> rows;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new StorageException("the Cassandra store is closed", false, null));
      }
      try {
        rows = statementsFor(traces);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(Errors.storage("preparing " + traces.spanCount() + " spans", e));
      }
      if (rows.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> done = new CompletableFuture<>();
      inFlight.add(done);
      List<CompletableFuture<?>> each = new ArrayList<>(rows.size());
      for (BoundStatement s : rows) {
        each.add(writes.submit(s));
      }
      CompletableFuture.allOf(each.toArray(new CompletableFuture[0])).whenComplete((v, t) -> {
        inFlight.remove(done);
        if (t == null) {
          done.complete(null);
        } else {
          forgetRecent();
          done.completeExceptionally(Errors.storage("writing " + traces.spanCount() + " spans", t));
        }
      });
      return done;
    }
  }

  /** Every row a batch writes; refuses the batch whole when a span's trace ID is invalid. */
  private List<BoundStatement> statementsFor(Traces traces) {
    long nowNanos = clock.getAsLong();
    Indexer indexer = new Indexer();
    List<BoundStatement> out = new ArrayList<>();
    for (ResourceSpans rs : traces.resourceSpans()) {
      ByteString resource = Rows.header(rs);
      String service = Resources.serviceName(rs.getResource());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ByteString scope = Rows.header(ss);
        for (Span span : ss.getSpansList()) {
          if (!Ids.isValidTraceId(span.getTraceId())) {
            throw new StorageException("batch refused: span " + Hex.encode(span.getSpanId()) + " has an invalid trace ID \""
                + Hex.encode(span.getTraceId()) + "\" (expected: 16 bytes, not all zero)", false, null);
          }
          int ttl = ttl(span.getStartTimeUnixNano(), nowNanos);
          if (ttl <= 0) {
            continue;
          }
          Rows.SpanRow row = Rows.row(resource, scope, span);
          out.add(statements.insertSpan.bind(span.getTraceId().asReadOnlyByteBuffer(), row.key(), row.startNanos(),
              row.resource(), row.scope(), row.span(), ttl));
          indexer.add(rs, service, span);
        }
      }
    }
    indexer.statements(this, nowNanos, out);
    return out;
  }

  /** Seconds until a row about a span that started at {@code startNanos} expires; 0 or less when it already has. */
  int ttl(long startNanos, long nowNanos) {
    return ttl(retention, startNanos, nowNanos);
  }

  /** Seconds from {@code nowNanos} until {@code retention} after {@code startNanos}, at most the retention. */
  static int ttl(Duration retention, long startNanos, long nowNanos) {
    long expiresNanos = startNanos + retention.toNanos();
    if (expiresNanos < startNanos) {
      expiresNanos = Long.MAX_VALUE;
    }
    long seconds = (long) Math.ceil((expiresNanos - (double) nowNanos) / 1e9);
    return (int) Math.max(Math.min(seconds, retention.toSeconds()), Integer.MIN_VALUE);
  }

  /**
   * Whether a row identified by {@code key} must be written with a TTL of {@code ttl} seconds:
   * not when the same row was written in the last minutes with an expiry at least as late.
   */
  boolean needsWrite(Object key, int ttl, long nowNanos) {
    long now = nowNanos / 1_000_000_000L;
    long expiry = now + ttl;
    Long previous = recentlyWritten.get(key);
    if (previous != null && previous >= expiry - REFRESH_SECONDS) {
      return false;
    }
    recentlyWritten.put(key, expiry);
    if (recentlyWritten.size() > 100_000) {
      recentlyWritten.clear();
    }
    return true;
  }

  /** After a failed write nothing it marked as written can be trusted. */
  private void forgetRecent() {
    recentlyWritten.clear();
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<Traces> trace(TraceId traceId) {
    requireNonNull(traceId, "traceId");
    checkOpen();
    Traces t = await(readTrace(traceId), "reading trace " + traceId.hex());
    return t.isEmpty() ? Optional.empty() : Optional.of(t);
  }

  /** Reads every span of a trace; the empty batch when there is none. */
  CompletableFuture<Traces> readTrace(TraceId traceId) {
    Rows.Collector c = new Rows.Collector();
    return pages(session.executeAsync(statements.selectTrace.bind(traceId.bytes().asReadOnlyByteBuffer())), row -> {
      try {
        c.add(row.getByteBuffer(0), row.getByteBuffer(1), row.getByteBuffer(2));
      } catch (InvalidProtocolBufferException e) {
        throw new StorageException("trace " + traceId.hex() + " holds a row that is not a span: " + e.getMessage(), false, e);
      }
    }).thenApply(v -> c.build());
  }

  @Override
  public List<String> services() {
    checkOpen();
    List<String> out = new ArrayList<>();
    await(pages(session.executeAsync(statements.selectNames.bind(Schema.LIST_SERVICES, "")),
        row -> out.add(row.getString(0))), "listing services");
    return List.copyOf(new TreeSet<>(out));
  }

  @Override
  public List<Operation> operations(String service, @Nullable String spanKind) {
    requireNonNull(service, "service");
    if (spanKind != null && !List.of("server", "client", "producer", "consumer", "internal", "").contains(spanKind)) {
      throw new IllegalArgumentException("spanKind: \"" + spanKind
          + "\" (expected: server, client, producer, consumer, internal, or empty for unspecified)");
    }
    checkOpen();
    List<Operation> out = new ArrayList<>();
    await(pages(session.executeAsync(statements.selectNames.bind(Schema.LIST_OPERATIONS, service)), row -> {
      String kind = row.getString(1);
      if (spanKind == null || spanKind.equals(kind)) {
        out.add(new Operation(row.getString(0), kind));
      }
    }), "listing operations of " + service);
    out.sort(java.util.Comparator.comparing(Operation::name).thenComparing(Operation::spanKind));
    return List.copyOf(out);
  }

  @Override
  public SearchResult search(TraceQuery query) {
    requireNonNull(query, "query");
    checkOpen();
    return new Search(this).search(query);
  }

  @Override
  public List<DependencyLink> dependencies(long startMinNanos, long startMaxNanos) {
    checkOpen();
    return new Search(this).dependencies(startMinNanos, startMaxNanos);
  }

  @Override
  public List<String> tagNames(TagQuery query) {
    requireNonNull(query, "query");
    checkOpen();
    return new Search(this).tagNames(query);
  }

  @Override
  public List<TagValue> tagValues(TagQuery query, String key) {
    requireNonNull(query, "query");
    requireNonNull(key, "key");
    checkOpen();
    return new Search(this).tagValues(query, key);
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException("the Cassandra store is closed", false, null);
    }
  }

  /** Calls {@code each} on every row of every page of a result. */
  static CompletableFuture<Void> pages(CompletionStage<AsyncResultSet> first, java.util.function.Consumer<Row> each) {
    return first.thenCompose(rs -> {
      for (Row r : rs.currentPage()) {
        each.accept(r);
      }
      return rs.hasMorePages() ? pages(rs.fetchNextPage(), each) : CompletableFuture.completedFuture(null);
    }).toCompletableFuture();
  }

  /** Waits for a read, mapping the driver's failures to {@link StorageException}. */
  static <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(what + ": interrupted", true, e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException && !(c instanceof com.datastax.oss.driver.api.core.DriverException)) {
        throw (RuntimeException) c;
      }
      throw Errors.storage(what, c);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new StorageException(what + ": no answer within 5 minutes", true, e);
    }
  }

  /**
   * Whether keyspace {@code name} holds Skein's tables, as far as this store's session knows the
   * cluster's schema (the driver follows schema changes, about a second behind). Runs no query.
   */
  public boolean hasSchema(String name) {
    requireNonNull(name, "name");
    return session.getMetadata().getKeyspace(name.toLowerCase(Locale.ROOT))
        .map(k -> Schema.tables().stream().allMatch(t -> k.getTable(t).isPresent()))
        .orElse(false);
  }

  /** Waits up to a minute for the writes in flight, then closes the session. Idempotent. */
  @Override
  public void close() {
    List<CompletableFuture<Void>> waiting;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      waiting = new ArrayList<>(inFlight);
    }
    try {
      CompletableFuture.allOf(waiting.toArray(new CompletableFuture[0])).get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      // Each writer already has its own failure; close only waits.
    }
    session.close();
  }

  @Override
  public String toString() {
    return "CassandraTraceStore{keyspace=" + keyspace + '}';
  }

  /**
   * Builds a {@link CassandraTraceStore}; every setter checks its value at once. Defaults: contact
   * point {@code 127.0.0.1:9042}, local datacenter {@code datacenter1}, keyspace {@code skein},
   * replication factor 1, consistency {@code LOCAL_QUORUM}, retention 168h, schema created,
   * request timeout 10s, at most 10,000 traces read by one search.
   */
  public static final class Builder {
    private final List<InetSocketAddress> contactPoints = new ArrayList<>();
    private String localDatacenter = "datacenter1";
    private String keyspace = "skein";
    private int replicationFactor = 1;
    private ConsistencyLevel consistency = DefaultConsistencyLevel.LOCAL_QUORUM;
    private Duration retention = Duration.ofDays(7);
    private boolean createSchema = true;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int maxTracesPerSearch = 10_000;
    private @Nullable String username;
    private @Nullable String password;
    private LongSupplier clock = () -> {
      java.time.Instant now = java.time.Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };

    private Builder() {}

    /** Adds a node to connect to first, as {@code host:port} (the port defaults to 9042). */
    public Builder contactPoint(String hostPort) {
      requireNonNull(hostPort, "hostPort");
      int colon = hostPort.lastIndexOf(':');
      String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      int port = 9042;
      if (colon >= 0) {
        try {
          port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (host.isEmpty() || port <= 0 || port > 65535) {
        throw new IllegalArgumentException("contact point: \"" + hostPort + "\" (expected: host or host:port)");
      }
      contactPoints.add(InetSocketAddress.createUnresolved(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port));
      return this;
    }

    /** The datacenter whose nodes are queried and whose replicas a LOCAL_ consistency counts. */
    public Builder localDatacenter(String datacenter) {
      requireNonNull(datacenter, "datacenter");
      if (datacenter.isBlank()) {
        throw new IllegalArgumentException("local datacenter: empty (expected: a datacenter name, e.g. datacenter1)");
      }
      this.localDatacenter = datacenter;
      return this;
    }

    public Builder keyspace(String keyspace) {
      requireNonNull(keyspace, "keyspace");
      if (!KEYSPACE.matcher(keyspace).matches()) {
        throw new IllegalArgumentException("keyspace: \"" + keyspace
            + "\" (expected: a letter, then up to 47 letters, digits or underscores)");
      }
      this.keyspace = keyspace.toLowerCase(Locale.ROOT);
      return this;
    }

    /** The replicas of every row in the local datacenter, used when the keyspace is created. */
    public Builder replicationFactor(int replicationFactor) {
      if (replicationFactor <= 0) {
        throw new IllegalArgumentException("replication factor: " + replicationFactor + " (expected: > 0)");
      }
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** The consistency of reads and writes, by name, e.g. {@code LOCAL_QUORUM}, {@code QUORUM}, {@code ONE}. */
    public Builder consistency(String level) {
      requireNonNull(level, "level");
      try {
        this.consistency = DefaultConsistencyLevel.valueOf(level.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("consistency: \"" + level + "\" (expected: one of ANY, ONE, TWO, THREE,"
            + " QUORUM, ALL, LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM)");
      }
      return this;
    }

    /** How long spans are kept after they start. */
    public Builder retention(Duration retention) {
      requireNonNull(retention, "retention");
      if (retention.compareTo(Duration.ofSeconds(1)) < 0 || retention.toSeconds() > 630_720_000L) {
        throw new IllegalArgumentException("retention: " + retention + " (expected: from 1s to 20 years, Cassandra's"
            + " longest TTL)");
      }
      this.retention = retention;
      return this;
    }

    /** Whether to create the keyspace and tables when they are missing (default true). */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("request timeout: " + timeout + " (expected: > 0)");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** The most traces one search, dependency or tag listing may read. */
    public Builder maxTracesPerSearch(int max) {
      if (max <= 0) {
        throw new IllegalArgumentException("max traces per search: " + max + " (expected: > 0)");
      }
      this.maxTracesPerSearch = max;
      return this;
    }

    /** Authenticates with Cassandra's PasswordAuthenticator. */
    public Builder credentials(String username, String password) {
      this.username = requireNonNull(username, "username");
      this.password = requireNonNull(password, "password");
      return this;
    }

    /** The clock TTLs are computed with, in epoch nanoseconds; for tests. */
    Builder clock(LongSupplier clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Connects, creates the schema if asked to, and returns the store.
     *
     * @throws StorageException (retryable) when no node can be reached or the schema cannot be made
     */
    public CassandraTraceStore build() {
      List<InetSocketAddress> points = contactPoints.isEmpty()
          ? List.of(InetSocketAddress.createUnresolved("127.0.0.1", 9042)) : List.copyOf(contactPoints);
      DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
          .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, requestTimeout)
          .withString(DefaultDriverOption.REQUEST_CONSISTENCY, consistency.name())
          .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
          .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, true)
          .withInt(DefaultDriverOption.REQUEST_PAGE_SIZE, 1000)
          // A batch becomes one request per row; the throttler queues what exceeds the limit
          // instead of failing it on a busy connection.
          .withClass(DefaultDriverOption.REQUEST_THROTTLER_CLASS, ConcurrencyLimitingRequestThrottler.class)
          .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_CONCURRENT_REQUESTS, 256)
          .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_QUEUE_SIZE, 1_000_000)
          .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(60))
          .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
          .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(60))
          .build();
      CqlSessionBuilder sb = CqlSession.builder().withConfigLoader(config).withLocalDatacenter(localDatacenter);
      for (InetSocketAddress p : points) {
        sb.addContactPoint(new InetSocketAddress(p.getHostString(), p.getPort()));
      }
      if (username != null) {
        sb.withAuthCredentials(username, password);
      }
      CqlSession session;
      try {
        session = sb.build();
      } catch (RuntimeException e) {
        throw Errors.storage("connecting to Cassandra at " + points, e);
      }
      try {
        if (createSchema) {
          execute(session, Schema.createKeyspace(keyspace, localDatacenter, replicationFactor));
          for (String ddl : Schema.createTables(keyspace)) {
            execute(session, ddl);
          }
        }
        log.info("Cassandra store on keyspace {} (retention {}, consistency {})", keyspace, retention, consistency);
        return new CassandraTraceStore(this, session);
      } catch (RuntimeException e) {
        session.close();
        throw e instanceof StorageException ? e : Errors.storage("preparing keyspace " + keyspace, e);
      }
    }

    private static void execute(CqlSession session, String cql) {
      Statement<?> s = SimpleStatement.newInstance(cql).setTimeout(Duration.ofSeconds(60));
      try {
        session.execute(s);
      } catch (RuntimeException e) {
        throw Errors.storage("running " + cql.substring(0, Math.min(60, cql.length())) + "...", e);
      }
    }
  }

  /** The prepared statements of one keyspace. */
  static final class Statements {
    final PreparedStatement insertSpan;
    final PreparedStatement insertName;
    final PreparedStatement insertIndex;
    final PreparedStatement insertDurationIndex;
    final PreparedStatement selectTrace;
    final PreparedStatement selectNames;
    final PreparedStatement selectIndex;
    final PreparedStatement selectDurationIndex;

    Statements(CqlSession s, String ks) {
      insertSpan = s.prepare("INSERT INTO " + ks + ".spans (trace_id, span_key, start_time, resource, scope, span)"
          + " VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
      insertName = s.prepare("INSERT INTO " + ks + ".names (list, owner, name, detail) VALUES (?, ?, ?, ?) USING TTL ?");
      insertIndex = s.prepare("INSERT INTO " + ks + ".trace_index (kind, key, bucket, start_time, trace_id)"
          + " VALUES (?, ?, ?, ?, ?) USING TTL ?");
      insertDurationIndex = s.prepare("INSERT INTO " + ks + ".duration_index (service_name, operation_name, bucket,"
          + " duration, start_time, trace_id) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
      selectTrace = s.prepare("SELECT resource, scope, span FROM " + ks + ".spans WHERE trace_id = ?");
      selectNames = s.prepare("SELECT name, detail FROM " + ks + ".names WHERE list = ? AND owner = ?");
      selectIndex = s.prepare("SELECT start_time, trace_id FROM " + ks + ".trace_index WHERE kind = ? AND key = ?"
          + " AND bucket = ? AND start_time >= ? AND start_time <= ?");
      selectDurationIndex = s.prepare("SELECT start_time, trace_id FROM " + ks + ".duration_index"
          + " WHERE service_name = ? AND operation_name = ? AND bucket = ? AND duration >= ? AND duration <= ?");
    }
  }

  /** The jaeger name of a span's kind, as the operations table stores it. */
  static String kindName(Span span) {
    return SpanKinds.jaegerName(span.getKindValue());
  }

  /** For the driver's blobs: the bytes of a buffer without moving it. */
  static ByteString bytes(ByteBuffer b) {
    return ByteString.copyFrom(b.duplicate());
  }
}
