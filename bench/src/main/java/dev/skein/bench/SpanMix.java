package dev.skein.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The workload of issue 9: 20 services with 10 operations each (200 in all), about 10 attributes
 * and about 300 bytes per span as OTLP protobuf, traces of 5 to 50 spans that cross services
 * (HTTP server spans, RPC client spans, PostgreSQL client spans, internal spans), about one trace
 * in twelve with an error and an exception event, and other events on about one span in ten.
 *
 * <p>The same seed gives the same exports. Trace and span IDs are random; {@link Workload}
 * replaces the trace IDs for every request it sends.
 */
final class SpanMix {
  static final int SERVICES = 20;
  static final int OPERATIONS_PER_SERVICE = 10;
  static final int MIN_TRACE_SPANS = 5;
  static final int MAX_TRACE_SPANS = 50;
  static final int SPANS_PER_EXPORT = 512;
  static final int TENANTS = 50;

  static final String[] SERVICE_NAMES = {
      "frontend", "api-gateway", "checkout", "cart", "payment", "shipping", "email", "currency",
      "recommendation", "ad", "catalog", "quote", "accounting", "fraud-detection", "inventory",
      "auth", "user-profile", "search", "notification", "orders"};
  private static final String[] NOUNS = {
      "page", "route", "order", "cart", "charge", "parcel", "mail", "rate", "suggestion", "banner",
      "product", "quote", "ledger", "score", "stock", "token", "profile", "lookup", "message", "invoice"};
  private static final String[] LANGUAGES = {"java", "go", "python", "nodejs", "dotnet"};
  /** Services that receive requests from outside; roots start there. */
  private static final int ENTRY_SERVICES = 2;

  private final Random random;
  private final long startNanos;
  private final List<ServiceModel> services = new ArrayList<>();

  /** Operation names per service: 4 HTTP server, 3 RPC client, 2 database, 1 internal. */
  private record ServiceModel(String name, String noun, ResourceSpans resource, ScopeSpans scope,
      String[] serverOps, String[] clientOps, String[] dbOps, String internalOp) {
    List<String> operations() {
      List<String> all = new ArrayList<>(List.of(serverOps));
      all.addAll(List.of(clientOps));
      all.addAll(List.of(dbOps));
      all.add(internalOp);
      return all;
    }
  }

  /** A trace in an export: its ID and how many of its spans the export holds. */
  record TraceInfo(ByteString traceId, int spans) {}

  /** One export request and the traces in it, in the order they were generated. */
  record Export(ExportTraceServiceRequest request, List<TraceInfo> traces) {
    int spanCount() {
      return traces.stream().mapToInt(TraceInfo::spans).sum();
    }
  }

  /** A span under construction: the service it belongs to and where it sits in time. */
  private record Node(int service, Span.Builder span, long start, long end) {}

  /** {@code startNanos} is the earliest start time of the traces this mix makes. */
  SpanMix(long seed, long startNanos) {
    this.random = new Random(seed);
    this.startNanos = startNanos;
    for (int s = 0; s < SERVICES; s++) {
      String name = SERVICE_NAMES[s];
      String noun = NOUNS[s];
      String language = LANGUAGES[s % LANGUAGES.length];
      ResourceSpans resource = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
          .addAttributes(str("service.name", name))
          .addAttributes(str("service.namespace", "shop"))
          .addAttributes(str("service.version", "1." + (s % 7) + ".0"))
          .addAttributes(str("service.instance.id", name + "-7d9f8c6b5-x" + s))
          .addAttributes(str("host.name", "node-" + (s % 5)))
          .addAttributes(str("deployment.environment.name", "production"))
          .addAttributes(str("telemetry.sdk.name", "opentelemetry"))
          .addAttributes(str("telemetry.sdk.language", language))
          .addAttributes(str("telemetry.sdk.version", "1.48.0"))).build();
      ScopeSpans scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
          .setName("io.opentelemetry." + language).setVersion("2.14.0")).build();
      String title = Character.toUpperCase(noun.charAt(0)) + noun.substring(1);
      services.add(new ServiceModel(name, noun, resource, scope,
          new String[] {"GET /api/" + noun + "s", "POST /api/" + noun + "s",
              "GET /api/" + noun + "s/{id}", "PUT /api/" + noun + "s/{id}"},
          new String[] {title + "Client/Get", title + "Client/List", title + "Client/Update"},
          new String[] {"SELECT " + noun + "s", "INSERT " + noun + "s"},
          name + ".process"));
    }
  }

  /** Every operation name, per service: 20 services times 10 names. */
  Map<String, List<String>> operations() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    services.forEach(s -> out.put(s.name(), s.operations()));
    return out;
  }

  /**
   * The next export of exactly {@code spans} spans: whole traces, the last one cut short to fit
   * (keeping its root and earliest descendants), grouped by service as an SDK or a collector
   * would send them. Traces start within {@code spreadNanos} after the mix's start time.
   */
  Export export(int spans, long spreadNanos) {
    Map<Integer, List<Span>> byService = new LinkedHashMap<>();
    List<TraceInfo> traces = new ArrayList<>();
    int left = spans;
    while (left > 0) {
      int size = MIN_TRACE_SPANS + random.nextInt(MAX_TRACE_SPANS - MIN_TRACE_SPANS + 1);
      long traceStart = startNanos + (spreadNanos <= 0 ? 0 : (long) (random.nextDouble() * spreadNanos));
      List<Node> trace = trace(size, traceStart);
      int take = Math.min(left, trace.size());
      ByteString traceId = trace.get(0).span().getTraceId();
      for (int i = 0; i < take; i++) {
        Node n = trace.get(i);
        byService.computeIfAbsent(n.service(), k -> new ArrayList<>()).add(n.span().build());
      }
      traces.add(new TraceInfo(traceId, take));
      left -= take;
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    byService.forEach((service, list) -> {
      ServiceModel m = services.get(service);
      request.addResourceSpans(m.resource().toBuilder()
          .addScopeSpans(m.scope().toBuilder().addAllSpans(list)));
    });
    return new Export(request.build(), traces);
  }

  /** One trace of {@code size} spans, parents before children. */
  private List<Node> trace(int size, long start) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    id[15] |= 1;
    ByteString traceId = ByteString.copyFrom(id);
    String tenant = String.format("tenant-%02d", random.nextInt(TENANTS));
    boolean failing = random.nextInt(12) == 0;
    List<Node> nodes = new ArrayList<>(size);
    int rootService = random.nextInt(ENTRY_SERVICES);
    // Durations between 5 ms and 3 s, log-uniform: most requests are fast, a few are slow.
    long duration = (long) (5e6 * Math.pow(600, random.nextDouble()));
    nodes.add(httpServer(traceId, null, rootService, start, start + duration, tenant, failing));
    while (nodes.size() < size) {
      Node parent = pickParent(nodes);
      long childStart = parent.start() + (long) ((parent.end() - parent.start()) * 0.5 * random.nextDouble());
      long childEnd = childStart + Math.max(1000, (long) ((parent.end() - childStart) * (0.05 + 0.9 * random.nextDouble())));
      double r = random.nextDouble();
      if (r < 0.45 && nodes.size() + 2 <= size) {
        int callee = (parent.service() + 1 + random.nextInt(SERVICES - 1)) % SERVICES;
        Node client = rpcClient(traceId, parent, callee, childStart, childEnd);
        nodes.add(client);
        long serverStart = childStart + (childEnd - childStart) / 20;
        long serverEnd = childEnd - (childEnd - childStart) / 20;
        nodes.add(httpServer(traceId, client.span().getSpanId(), callee, serverStart, Math.max(serverStart + 1000, serverEnd),
            tenant, false));
      } else if (r < 0.75) {
        nodes.add(dbClient(traceId, parent, childStart, childEnd));
      } else {
        nodes.add(internal(traceId, parent, childStart, childEnd));
      }
    }
    for (Node n : nodes) {
      if (random.nextInt(10) == 0) {
        n.span().addEvents(Span.Event.newBuilder().setName(random.nextBoolean() ? "cache.miss" : "retry")
            .setTimeUnixNano(n.start() + (n.end() - n.start()) / 2)
            .addAttributes(integer("attempt", 1 + random.nextInt(3))));
      }
    }
    if (failing && nodes.size() > 1) {
      Node culprit = nodes.get(1 + random.nextInt(nodes.size() - 1));
      culprit.span().setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
          .setMessage("deadline exceeded"))
          .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(culprit.end())
              .addAttributes(str("exception.type", "TimeoutException"))
              .addAttributes(str("exception.message", "deadline exceeded after 2s")));
    }
    return nodes;
  }

  private Node pickParent(List<Node> nodes) {
    // Only server and internal spans have children; the root and recent spans are likelier parents.
    for (int tries = 0; tries < 8; tries++) {
      int i = random.nextInt(2) == 0 ? 0 : random.nextInt(nodes.size());
      Span.SpanKind kind = nodes.get(i).span().getKind();
      if (kind == Span.SpanKind.SPAN_KIND_SERVER || kind == Span.SpanKind.SPAN_KIND_INTERNAL) {
        return nodes.get(i);
      }
    }
    return nodes.get(0);
  }

  private Span.Builder span(ByteString traceId, ByteString parent, String name, Span.SpanKind kind, long start, long end) {
    byte[] spanId = new byte[8];
    random.nextBytes(spanId);
    spanId[7] |= 1;
    Span.Builder b = Span.newBuilder().setTraceId(traceId).setSpanId(ByteString.copyFrom(spanId))
        .setName(name).setKind(kind).setStartTimeUnixNano(start).setEndTimeUnixNano(end);
    if (parent != null) {
      b.setParentSpanId(parent);
    }
    return b;
  }

  private Node httpServer(ByteString traceId, ByteString parent, int service, long start, long end, String tenant,
      boolean failing) {
    ServiceModel m = services.get(service);
    String op = m.serverOps()[random.nextInt(m.serverOps().length)];
    String route = op.substring(op.indexOf(' ') + 1);
    int status = failing ? 500 : (random.nextInt(50) == 0 ? 404 : 200);
    Span.Builder b = span(traceId, parent, op, Span.SpanKind.SPAN_KIND_SERVER, start, end)
        .addAttributes(str("http.request.method", op.substring(0, op.indexOf(' '))))
        .addAttributes(str("http.route", route))
        .addAttributes(str("url.path", route.replace("{id}", Integer.toString(random.nextInt(100000)))))
        .addAttributes(integer("http.response.status_code", status))
        .addAttributes(str("server.address", m.name()))
        .addAttributes(integer("server.port", 8080))
        .addAttributes(str("client.address", "10.1." + random.nextInt(256) + "." + random.nextInt(256)))
        .addAttributes(str("app.tenant", tenant));
    if (failing) {
      b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    return new Node(service, b, start, end);
  }

  private Node rpcClient(ByteString traceId, Node parent, int callee, long start, long end) {
    ServiceModel m = services.get(parent.service());
    ServiceModel target = services.get(callee);
    String op = m.clientOps()[random.nextInt(m.clientOps().length)];
    Span.Builder b = span(traceId, parent.span().getSpanId(), op, Span.SpanKind.SPAN_KIND_CLIENT, start, end)
        .addAttributes(str("rpc.system", "grpc"))
        .addAttributes(str("rpc.service", op.substring(0, op.indexOf('/'))))
        .addAttributes(str("rpc.method", op.substring(op.indexOf('/') + 1)))
        .addAttributes(integer("rpc.grpc.status_code", 0))
        .addAttributes(str("server.address", target.name()))
        .addAttributes(integer("server.port", 8080))
        .addAttributes(str("peer.service", target.name()))
        .addAttributes(integer("thread.id", 20 + random.nextInt(40)));
    return new Node(parent.service(), b, start, end);
  }

  private Node dbClient(ByteString traceId, Node parent, long start, long end) {
    ServiceModel m = services.get(parent.service());
    String op = m.dbOps()[random.nextInt(m.dbOps().length)];
    String table = m.noun() + "s";
    String text = op.startsWith("SELECT") ? "SELECT * FROM " + table + " WHERE id = $1" : "INSERT INTO " + table + " VALUES ($1, $2)";
    Span.Builder b = span(traceId, parent.span().getSpanId(), op, Span.SpanKind.SPAN_KIND_CLIENT, start, end)
        .addAttributes(str("db.system", "postgresql"))
        .addAttributes(str("db.namespace", "shop"))
        .addAttributes(str("db.operation.name", op.substring(0, op.indexOf(' '))))
        .addAttributes(str("db.collection.name", table))
        .addAttributes(str("db.query.text", text))
        .addAttributes(str("server.address", "pg-0"))
        .addAttributes(integer("server.port", 5432))
        .addAttributes(integer("db.response.returned_rows", random.nextInt(20)))
        .addAttributes(integer("thread.id", 20 + random.nextInt(40)));
    return new Node(parent.service(), b, start, end);
  }

  private Node internal(ByteString traceId, Node parent, long start, long end) {
    ServiceModel m = services.get(parent.service());
    Span.Builder b = span(traceId, parent.span().getSpanId(), m.internalOp(), Span.SpanKind.SPAN_KIND_INTERNAL, start, end)
        .addAttributes(str("code.function.name", m.noun() + ".process"))
        .addAttributes(str("code.file.path", m.noun() + "/handler.go"))
        .addAttributes(integer("code.line.number", 10 + random.nextInt(400)))
        .addAttributes(integer("thread.id", 20 + random.nextInt(40)))
        .addAttributes(integer("app.items", random.nextInt(12)))
        .addAttributes(bool("app.cache.hit", random.nextBoolean()))
        .addAttributes(str("app.region", "eu-west-" + (1 + random.nextInt(3))))
        .addAttributes(integer("app.attempt", 1));
    return new Node(parent.service(), b, start, end);
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue integer(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  private static KeyValue bool(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }
}
