package dev.skein.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.skein.cluster.engines.Engines;
import dev.skein.model.Nullable;
import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants kept apart across the scale-out deployment: the roles of {@code examples/cluster} with
 * the {@code multitenancy} extension added and nothing else changed. Applications of two tenants
 * send with the OpenTelemetry Java SDK to the collector, naming their tenant in
 * {@code X-Scope-OrgID}; the collector writes to Kafka, an ingester (a JVM of its own) writes to
 * Cassandra, and the query node answers each tenant with its own spans only. Both tenants have a
 * service of the same name, so a search that filtered by service alone would mix them.
 */
@ExtendWith(SharedCluster.class)
class MultitenantClusterIT {
  private static final int TRACES = 10;
  private static final String HEADER = "X-Scope-OrgID";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir
  Path dir;

  @Test
  void keepsEachTenantsSpansApartFromCollectorToQuery() throws Exception {
    Engines engines = SharedCluster.engines();
    String keyspace = "tenants_" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = ScaleOutIT.environment(engines, Kafka.uniqueTopic("tenants"), keyspace,
        keyspace + "-ingesters", dir);
    env.put("SKEIN_NODE_NAME", "ingester-1");
    Service collector = null;
    Service query = null;
    try (Node ingester = Node.start("ingester-1", multitenant("ingester.yaml"), env, dir)) {
      collector = Roles.start(multitenant("collector.yaml"), env, new Telemetry());
      String otlp = "http://" + env.get("SKEIN_OTLP_GRPC_ENDPOINT");

      List<String> acme = sendTraces(otlp, "acme", "acme-billing");
      List<String> globex = sendTraces(otlp, "globex", "globex-ledger");
      // The collector refuses spans that name no tenant, and the SDK's export reports it.
      Exports anonymous = new Exports(otlp, null);
      List<String> refused = send(anonymous, "anonymous-app", 1);
      assertThat(anonymous.outcomes()).as("the export without " + HEADER).isNotEmpty().allSatisfy(r -> {
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.getFailureThrowable()).extracting("response.statusCode", "response.statusDescription")
            .containsExactly(GrpcStatusCode.UNAUTHENTICATED, "no tenant: the " + HEADER
                + " header is missing (expected: a tenant ID, because multitenancy is on)");
      });

      query = Roles.start(multitenant("query.yaml"), env, new Telemetry());
      String api = "http://" + env.get("SKEIN_QUERY_ENDPOINT");
      for (String id : acme) {
        Engines.await("acme's trace " + id + " has both spans", () -> spanCount(api, "acme", id) == 2);
      }
      for (String id : globex) {
        Engines.await("globex's trace " + id + " has both spans", () -> spanCount(api, "globex", id) == 2);
      }

      // Each tenant lists its own services only.
      assertThat(services(api, "acme")).containsExactlyInAnyOrder("frontend", "acme-billing");
      assertThat(services(api, "globex")).containsExactlyInAnyOrder("frontend", "globex-ledger");

      // Another tenant's trace does not exist for you: 404, as an unknown trace ID.
      for (String id : globex) {
        assertThat(query(api, "/api/traces/" + id, "acme").statusCode()).as("acme reads globex's " + id)
            .isEqualTo(404);
      }
      for (String id : acme) {
        assertThat(query(api, "/api/traces/" + id, "globex").statusCode()).as("globex reads acme's " + id)
            .isEqualTo(404);
      }
      for (String id : refused) {
        assertThat(query(api, "/api/traces/" + id, "acme").statusCode()).isEqualTo(404);
        assertThat(query(api, "/api/traces/" + id, "globex").statusCode()).isEqualTo(404);
      }

      // A search by a service both tenants have finds the asking tenant's traces only.
      assertThat(search(api, "acme", "frontend")).containsExactlyInAnyOrderElementsOf(acme);
      assertThat(search(api, "globex", "frontend")).containsExactlyInAnyOrderElementsOf(globex);
      assertThat(search(api, "acme", "globex-ledger")).isEmpty();

      // Without a tenant the query API answers 401; with an invalid one, 400.
      HttpResponse<String> none = query(api, "/api/services", null);
      assertThat(none.statusCode()).as(none.body()).isEqualTo(401);
      assertThat(none.body()).contains(HEADER + " header is missing");
      HttpResponse<String> dots = query(api, "/api/services", "../x");
      assertThat(dots.statusCode()).as(dots.body()).isEqualTo(400);
      assertThat(dots.body()).contains(HEADER).contains("'/'");

      // A tenant that has stored nothing reads an empty store, and reading creates nothing.
      assertThat(services(api, "initech")).isEmpty();
      assertThat(query(api, "/api/traces/" + acme.get(0), "initech").statusCode()).isEqualTo(404);

      // In Cassandra: a keyspace per tenant, and nothing of either in the base keyspace.
      try (CqlSession cql = engines.session()) {
        String acmeKeyspace = tenantKeyspace(keyspace, "acme");
        String globexKeyspace = tenantKeyspace(keyspace, "globex");
        assertThat(acmeKeyspace).isNotEqualTo(globexKeyspace);
        Set<String> keyspaces = new HashSet<>();
        cql.execute("SELECT keyspace_name FROM system_schema.keyspaces").forEach(r -> keyspaces.add(r.getString(0)));
        assertThat(keyspaces).contains(keyspace, acmeKeyspace, globexKeyspace);
        assertThat(keyspaces).doesNotContain(tenantKeyspace(keyspace, "initech"));
        assertThat(storedTraces(cql, acmeKeyspace)).containsExactlyInAnyOrderElementsOf(acme);
        assertThat(storedTraces(cql, globexKeyspace)).containsExactlyInAnyOrderElementsOf(globex);
        assertThat(storedTraces(cql, keyspace)).as("the base keyspace's spans").isEmpty();
      }
      assertThat(ingester.alive()).as("the ingester ran throughout").isTrue();
    } finally {
      if (query != null) {
        query.shutdown();
      }
      if (collector != null) {
        collector.shutdown();
      }
    }
  }

  /**
   * The example role configuration {@code name} with the {@code multitenancy} extension added and
   * started first, written to this test's directory; {@code ${env:...}} stay as written.
   */
  private Path multitenant(String name) throws Exception {
    ObjectNode root = (ObjectNode) YAML.readTree(Files.readString(Roles.example(name)));
    root.withObject("/extensions").putObject("multitenancy");
    root.withObject("/service").withArray("extensions").insert(0, "multitenancy");
    Path file = dir.resolve("multitenant-" + name);
    YAML.writeValue(file.toFile(), root);
    return file;
  }

  /**
   * Sends {@link #TRACES} traces of tenant {@code tenant}, each a {@code frontend} span with a child
   * in {@code service}, and returns their IDs once every export succeeded.
   */
  private static List<String> sendTraces(String endpoint, String tenant, String service) {
    Exports frontend = new Exports(endpoint, tenant);
    Exports backend = new Exports(endpoint, tenant);
    SdkTracerProvider f = provider("frontend", frontend);
    SdkTracerProvider b = provider(service, backend);
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < TRACES; i++) {
        Span root = f.get("shop").spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER).startSpan();
        b.get("shop").spanBuilder("Charge").setSpanKind(SpanKind.SERVER).setParent(Context.root().with(root))
            .startSpan().end();
        root.end();
        ids.add(root.getSpanContext().getTraceId());
      }
    } finally {
      close(f);
      close(b);
    }
    for (Exports e : List.of(frontend, backend)) {
      assertThat(e.outcomes()).as("%s's exports", tenant).isNotEmpty()
          .allSatisfy(r -> assertThat(r.isSuccess()).isTrue());
    }
    return ids;
  }

  /** Sends {@code count} one-span traces of {@code service} through {@code exporter}; returns their IDs. */
  private static List<String> send(Exports exporter, String service, int count) {
    SdkTracerProvider p = provider(service, exporter);
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Span s = p.get("app").spanBuilder("GET /").startSpan();
        s.end();
        ids.add(s.getSpanContext().getTraceId());
      }
    } finally {
      close(p);
    }
    return ids;
  }

  private static SdkTracerProvider provider(String service, SpanExporter exporter) {
    return SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
        // Batches, as applications export: the exporter sends at most a few requests at a time.
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
        .build();
  }

  private static void close(SdkTracerProvider provider) {
    provider.forceFlush().join(60, TimeUnit.SECONDS);
    provider.shutdown().join(60, TimeUnit.SECONDS);
  }

  /**
   * The SDK's OTLP gRPC exporter, naming {@code tenant} in {@code X-Scope-OrgID} (none when null),
   * that keeps the outcome of every export: the span processor only logs a failed one.
   */
  private static final class Exports implements SpanExporter {
    private final OtlpGrpcSpanExporter delegate;
    private final List<CompletableResultCode> outcomes = new CopyOnWriteArrayList<>();

    Exports(String endpoint, @Nullable String tenant) {
      OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint)
          .setTimeout(Duration.ofSeconds(30));
      if (tenant != null) {
        b.addHeader(HEADER, tenant);
      }
      delegate = b.build();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode r = delegate.export(spans);
      outcomes.add(r);
      return r;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }

    /** Every export's outcome, each awaited. */
    List<CompletableResultCode> outcomes() {
      outcomes.forEach(r -> r.join(60, TimeUnit.SECONDS));
      return outcomes;
    }
  }

  /** A GET of the query API as {@code tenant} (without {@code X-Scope-OrgID} when null). */
  private static HttpResponse<String> query(String api, String path, @Nullable String tenant) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60));
    if (tenant != null) {
      b.header(HEADER, tenant);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The {@code data} of a query that must succeed. */
  private static JsonNode data(String api, String path, String tenant) throws Exception {
    HttpResponse<String> r = query(api, path, tenant);
    assertThat(r.statusCode()).as("%s as %s: %s", path, tenant, r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("data");
  }

  private static List<String> services(String api, String tenant) throws Exception {
    List<String> out = new ArrayList<>();
    data(api, "/api/services", tenant).forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The IDs of the traces Jaeger's search finds for {@code service} as {@code tenant}. */
  private static List<String> search(String api, String tenant, String service) throws Exception {
    List<String> ids = new ArrayList<>();
    data(api, "/api/traces?limit=100&service=" + service, tenant).forEach(t -> ids.add(t.path("traceID").asText()));
    return ids;
  }

  /** The spans of trace {@code id} as {@code tenant} reads them; 0 while it is not found. */
  private static int spanCount(String api, String tenant, String id) {
    try {
      HttpResponse<String> r = query(api, "/api/traces/" + id, tenant);
      JsonNode traces = JSON.readTree(r.body()).path("data");
      return r.statusCode() == 200 && traces.size() == 1 ? traces.get(0).path("spans").size() : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  /** The keyspace of {@code tenant} as {@code docs/security.md} defines it. */
  private static String tenantKeyspace(String keyspace, String tenant) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(tenant.getBytes(StandardCharsets.UTF_8));
    return keyspace + "_t" + HexFormat.of().formatHex(digest, 0, 10);
  }

  /** The distinct trace IDs in the {@code spans} table of {@code keyspace}, read directly. */
  private static Set<String> storedTraces(CqlSession cql, String keyspace) {
    Set<String> ids = new HashSet<>();
    for (Row r : cql.execute("SELECT trace_id FROM " + keyspace + ".spans")) {
      java.nio.ByteBuffer b = r.getByteBuffer(0);
      byte[] id = new byte[b.remaining()];
      b.get(id);
      ids.add(HexFormat.of().formatHex(id));
    }
    return ids;
  }
}
