package dev.skein.storage.conformance;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;
import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * Realistic traces for storage tests. They follow the scenario Skein exists for: a Java frontend
 * calls a Python checkout service that queries PostgreSQL and publishes to Kafka, and a Node.js
 * billing service consumes the message.
 *
 * <p>Every field of the OTLP trace data model is set somewhere: schema URLs on resources and
 * scopes, entity references, scope names, versions and attributes, trace state, flags, parent span
 * IDs, every span kind (unspecified included), attributes of every {@link AnyValue} type (string,
 * bool, int, double, bytes, array, nested key-value list and the empty value), events and links
 * with attributes and dropped counts, status code and message, and the dropped attribute, event
 * and link counts. A store that loses any of them fails the conformance suite.
 *
 * <p>Every method is deterministic: the same arguments give equal messages, so a test (or a child
 * process) can regenerate what was written. Timestamps are epoch nanoseconds.
 */
public final class Fixtures {
  /** The frontend service of {@link #fullTrace}: Java, Tomcat, calls checkout over HTTP. */
  public static final String FRONTEND = "frontend";
  /** The checkout service of {@link #fullTrace}: Python, PostgreSQL, produces to Kafka. */
  public static final String CHECKOUT = "checkout";
  /** The billing service of {@link #fullTrace}: Node.js, consumes from Kafka. */
  public static final String BILLING = "billing";

  /** The number of spans in {@link #fullTrace}. */
  public static final int FULL_TRACE_SPANS = 9;

  public static final String SCHEMA_1_21 = "https://opentelemetry.io/schemas/1.21.0";
  public static final String SCHEMA_1_24 = "https://opentelemetry.io/schemas/1.24.0";
  public static final String SCHEMA_1_26 = "https://opentelemetry.io/schemas/1.26.0";

  private static final long MS = 1_000_000L;

  private Fixtures() {}

  /** Returns a valid trace ID derived from {@code seed}; different seeds give different IDs. */
  public static TraceId traceId(long seed) {
    long hi = mix(seed);
    long lo = mix(seed ^ 0x5DEECE66DL);
    if (hi == 0 && lo == 0) {
      lo = 1;
    }
    return TraceId.of(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(hi).putLong(lo).flip()));
  }

  /** Returns a valid 8-byte span ID derived from {@code seed}. */
  public static ByteString spanId(long seed) {
    long v = mix(seed);
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(v == 0 ? 1 : v).flip());
  }

  /** Returns the span ID that {@link #fullTrace} gives to its span number {@code index}. */
  public static ByteString spanId(TraceId traceId, int index) {
    return spanId(traceId.bytes().substring(8).asReadOnlyByteBuffer().getLong() * 31 + index);
  }

  /** Returns the current time in epoch nanoseconds, with millisecond precision. */
  public static long nowNanos() {
    return System.currentTimeMillis() * MS;
  }

  /**
   * Returns a trace of {@value #FULL_TRACE_SPANS} spans from three resources ({@link #FRONTEND},
   * {@link #CHECKOUT}, {@link #BILLING}) in six scopes, with every OTLP field set. The root span
   * starts at {@code startNanos} and lasts 1.2 seconds; the slow PostgreSQL query takes 800 ms.
   *
   * <p>Operations: frontend has {@code GET /api/checkout} (server) and {@code POST} (client);
   * checkout has {@code POST /checkout} (server), {@code SELECT shop.orders} and {@code INSERT
   * shop.orders} (client), {@code compute-total} (internal) and {@code order.created publish}
   * (producer); billing has {@code order.created process} (consumer) and {@code legacy-hook}
   * (unspecified).
   */
  public static Traces fullTrace(TraceId traceId, long startNanos) {
    requireNonNull(traceId, "traceId");
    long t = startNanos;
    ByteString root = spanId(traceId, 0);
    ByteString httpClient = spanId(traceId, 1);
    ByteString checkoutServer = spanId(traceId, 2);
    ByteString select = spanId(traceId, 3);
    ByteString insert = spanId(traceId, 4);
    ByteString compute = spanId(traceId, 5);
    ByteString publish = spanId(traceId, 6);
    ByteString consume = spanId(traceId, 7);
    ByteString legacy = spanId(traceId, 8);

    ResourceSpans frontend = frontendResource();
    ResourceSpans checkout = checkoutResource();
    ResourceSpans billing = billingResource();

    ScopeSpans tomcat = scope("io.opentelemetry.tomcat-10.0", "2.1.0-alpha", SCHEMA_1_21,
        List.of(str("otel.scope.kind", "http-server")), 0);
    ScopeSpans urlConnection = scope("io.opentelemetry.http-url-connection", "2.1.0", SCHEMA_1_21,
        List.of(bool("otel.scope.experimental", false)), 1);
    ScopeSpans flask = scope("opentelemetry.instrumentation.flask", "0.45b0", SCHEMA_1_24,
        List.of(str("library.language", "python")), 0);
    ScopeSpans psycopg = scope("opentelemetry.instrumentation.psycopg2", "0.45b0", SCHEMA_1_24,
        List.of(intAttr("pool.size", 10)), 2);
    ScopeSpans checkoutInternal = scope("checkout.orders", "3.2.0", "",
        List.of(str("team", "payments")), 0);
    ScopeSpans kafkajs = scope("@opentelemetry/instrumentation-kafkajs", "0.1.0", SCHEMA_1_26,
        List.of(doubleAttr("sampling.ratio", 0.5)), 0);

    Span rootSpan = span(traceId, root, null, "GET /api/checkout", SpanKind.SPAN_KIND_SERVER,
        t, t + 1_200 * MS)
        .setFlags(0x101)
        .addAllAttributes(attributesOfEveryType())
        .addAttributes(str("url.path", "/api/checkout"))
        .setStatus(Status.newBuilder()
            .setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage("checkout failed: upstream returned 502"))
        .build();
    Span clientSpan = span(traceId, httpClient, root, "POST", SpanKind.SPAN_KIND_CLIENT,
        t + 5 * MS, t + 1_150 * MS)
        .addAttributes(str("http.request.method", "POST"))
        .addAttributes(str("server.address", "checkout.shop.svc"))
        .addAttributes(intAttr("server.port", 8080))
        .addAttributes(intAttr("http.response.status_code", 502))
        .setStatus(error("502 Bad Gateway"))
        .build();
    Span serverSpan = span(traceId, checkoutServer, httpClient, "POST /checkout",
        SpanKind.SPAN_KIND_SERVER, t + 10 * MS, t + 1_140 * MS)
        .setFlags(0x301)
        .addAttributes(str("http.route", "/checkout"))
        .addAttributes(intAttr("http.response.status_code", 502))
        .setStatus(error("order could not be saved"))
        .build();
    Span selectSpan = span(traceId, select, checkoutServer, "SELECT shop.orders",
        SpanKind.SPAN_KIND_CLIENT, t + 20 * MS, t + 820 * MS)
        .addAttributes(str("db.system", "postgresql"))
        .addAttributes(str("db.namespace", "shop"))
        .addAttributes(str("db.query.text",
            "SELECT o.id, o.total FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at"))
        .setStatus(ok())
        .build();
    Span insertSpan = span(traceId, insert, checkoutServer, "INSERT shop.orders",
        SpanKind.SPAN_KIND_CLIENT, t + 830 * MS, t + 1_130 * MS)
        .addAttributes(str("db.system", "postgresql"))
        .addAttributes(str("error.type", "57014"))
        .setStatus(error("canceling statement due to statement timeout"))
        .build();
    Span computeSpan = span(traceId, compute, checkoutServer, "compute-total",
        SpanKind.SPAN_KIND_INTERNAL, t + 821 * MS, t + 823 * MS)
        .addAttributes(doubleAttr("app.cart.total", 149.95))
        .setStatus(ok())
        .build();
    Span publishSpan = span(traceId, publish, checkoutServer, "order.created publish",
        SpanKind.SPAN_KIND_PRODUCER, t + 824 * MS, t + 829 * MS)
        .addAttributes(str("messaging.system", "kafka"))
        .addAttributes(str("messaging.destination.name", "order.created"))
        .setStatus(ok())
        .build();
    Span consumeSpan = span(traceId, consume, publish, "order.created process",
        SpanKind.SPAN_KIND_CONSUMER, t + 900 * MS, t + 960 * MS)
        .setFlags(0x301)
        .addAttributes(str("messaging.system", "kafka"))
        .addAttributes(intAttr("messaging.kafka.message.offset", 1_234_567_890_123L))
        .setStatus(ok())
        .build();
    Span legacySpan = span(traceId, legacy, consume, "legacy-hook",
        SpanKind.SPAN_KIND_UNSPECIFIED, t + 905 * MS, t + 906 * MS)
        .addAttributes(str("legacy.hook", "ledger"))
        .setStatus(Status.newBuilder().setMessage("status message without a code"))
        .build();

    return Traces.builder()
        .add(frontend, tomcat, rootSpan)
        .add(frontend, urlConnection, clientSpan)
        .add(checkout, flask, serverSpan)
        .add(checkout, psycopg, selectSpan)
        .add(checkout, psycopg, insertSpan)
        .add(checkout, checkoutInternal, computeSpan)
        .add(checkout, checkoutInternal, publishSpan)
        .add(billing, kafkajs, consumeSpan)
        .add(billing, kafkajs, legacySpan)
        .build();
  }

  /**
   * Returns a one-span trace of {@code service} with the given operation and kind, lasting
   * {@code duration}. The span still has events, links, attributes and a status.
   */
  public static Traces singleSpan(TraceId traceId, String service, String operation,
      SpanKind kind, long startNanos, Duration duration) {
    Span span = span(traceId, spanId(traceId, 0), null, operation, kind, startNanos,
        startNanos + duration.toNanos())
        .addAttributes(str("app.operation", operation))
        .setStatus(ok())
        .build();
    return Traces.builder().add(resource(service), defaultScope(), span).build();
  }

  /** Returns a resource header of {@code service} (attributes and schema URL, no scope spans). */
  public static ResourceSpans resource(String service) {
    requireNonNull(service, "service");
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(str("service.name", service))
            .addAttributes(str("telemetry.sdk.name", "opentelemetry"))
            .addAttributes(str("telemetry.sdk.language", "java")))
        .setSchemaUrl(SCHEMA_1_24)
        .build();
  }

  /** Returns a scope header that instrumentation of a hand-written application would use. */
  public static ScopeSpans defaultScope() {
    return scope("dev.skein.fixtures", "1.0.0", SCHEMA_1_24, List.of(str("fixture", "yes")), 0);
  }

  /**
   * Returns one attribute of each {@link AnyValue} type: string (with non-ASCII text), bool, int
   * (including {@link Long#MIN_VALUE}), double, bytes, arrays (homogeneous and mixed, nested),
   * nested key-value lists, and the empty value.
   */
  public static List<KeyValue> attributesOfEveryType() {
    return List.of(
        str("http.request.method", "GET"),
        str("app.customer.name", "Zoë Ångström – 漢字 🙂"),
        bool("app.cache.hit", true),
        intAttr("http.response.status_code", 502),
        intAttr("app.balance.cents", Long.MIN_VALUE),
        doubleAttr("app.cart.total", 149.95),
        kv("app.request.digest", AnyValue.newBuilder()
            .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff}))
            .build()),
        kv("http.request.header.accept", array(
            AnyValue.newBuilder().setStringValue("text/html").build(),
            AnyValue.newBuilder().setStringValue("application/json").build())),
        kv("app.mixed", array(
            AnyValue.newBuilder().setStringValue("a").build(),
            AnyValue.newBuilder().setIntValue(-7).build(),
            AnyValue.newBuilder().setBoolValue(false).build(),
            AnyValue.newBuilder().setDoubleValue(-0.5).build(),
            AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("raw")).build(),
            AnyValue.getDefaultInstance(),
            array(AnyValue.newBuilder().setIntValue(1).build()),
            kvlist(kv("k", AnyValue.newBuilder().setStringValue("v").build())))),
        kv("app.order", kvlist(
            str("id", "o-1042"),
            intAttr("items", 3),
            kv("shipping", kvlist(
                str("country", "NL"),
                bool("express", true),
                kv("window", array(
                    AnyValue.newBuilder().setIntValue(9).build(),
                    AnyValue.newBuilder().setIntValue(17).build())))))),
        kv("app.empty", AnyValue.getDefaultInstance()),
        kv("app.empty.array", AnyValue.newBuilder().setArrayValue(ArrayValue.getDefaultInstance()).build()),
        kv("app.empty.kvlist", AnyValue.newBuilder().setKvlistValue(KeyValueList.getDefaultInstance()).build()));
  }

  /** Returns a string attribute. */
  public static KeyValue str(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  /** Returns a boolean attribute. */
  public static KeyValue bool(String key, boolean value) {
    return kv(key, AnyValue.newBuilder().setBoolValue(value).build());
  }

  /** Returns an integer attribute. */
  public static KeyValue intAttr(String key, long value) {
    return kv(key, AnyValue.newBuilder().setIntValue(value).build());
  }

  /** Returns a double attribute. */
  public static KeyValue doubleAttr(String key, double value) {
    return kv(key, AnyValue.newBuilder().setDoubleValue(value).build());
  }

  /** Returns an attribute with any value. */
  public static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  /**
   * Returns a span builder with every field set except attributes and status: trace state,
   * flags (sampled), parent, events with attributes and dropped counts, a link with trace state,
   * attributes, flags and a dropped count, and non-zero dropped attribute, event and link counts.
   *
   * @param parentSpanId the parent, or null for a root span
   */
  public static Span.Builder span(TraceId traceId, ByteString spanId, @Nullable ByteString parentSpanId,
      String name, SpanKind kind, long startNanos, long endNanos) {
    Span.Builder b = Span.newBuilder()
        .setTraceId(traceId.bytes())
        .setSpanId(spanId)
        .setTraceState("skein=t61rcWkgMzE,rojo=00f067aa0ba902b7")
        .setFlags(0x101)
        .setName(name)
        .setKind(kind)
        .setStartTimeUnixNano(startNanos)
        .setEndTimeUnixNano(endNanos)
        .setDroppedAttributesCount(1)
        .addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(startNanos + (endNanos - startNanos) / 2)
            .setName("exception")
            .addAttributes(str("exception.type", "java.net.SocketTimeoutException"))
            .addAttributes(str("exception.message", "Read timed out"))
            .addAttributes(str("exception.stacktrace",
                "java.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead"))
            .setDroppedAttributesCount(2))
        .addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(endNanos)
            .setName("log")
            .addAttributes(intAttr("log.severity", 9)))
        .setDroppedEventsCount(3)
        .addLinks(Span.Link.newBuilder()
            .setTraceId(traceId(spanId.hashCode()).bytes())
            .setSpanId(spanId(spanId.hashCode()))
            .setTraceState("congo=ucfJifl5GOE")
            .addAttributes(str("link.reason", "retry-of"))
            .addAttributes(bool("link.sampled", true))
            .setDroppedAttributesCount(4)
            .setFlags(0x301))
        .setDroppedLinksCount(5);
    if (parentSpanId != null) {
      b.setParentSpanId(parentSpanId);
    }
    return b;
  }

  private static ResourceSpans frontendResource() {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(str("service.name", FRONTEND))
            .addAttributes(str("service.namespace", "shop"))
            .addAttributes(str("service.version", "1.4.2"))
            .addAttributes(str("deployment.environment.name", "production"))
            .addAttributes(str("host.name", "web-7f9c"))
            .addAttributes(intAttr("process.pid", 4242))
            .addAttributes(str("telemetry.sdk.language", "java"))
            .addAttributes(kv("process.command_args", array(
                AnyValue.newBuilder().setStringValue("java").build(),
                AnyValue.newBuilder().setStringValue("-jar").build(),
                AnyValue.newBuilder().setStringValue("frontend.jar").build())))
            .setDroppedAttributesCount(1)
            .addEntityRefs(EntityRef.newBuilder()
                .setSchemaUrl(SCHEMA_1_26)
                .setType("service")
                .addIdKeys("service.name")
                .addIdKeys("service.namespace")
                .addDescriptionKeys("service.version")))
        .setSchemaUrl(SCHEMA_1_21)
        .build();
  }

  private static ResourceSpans checkoutResource() {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(str("service.name", CHECKOUT))
            .addAttributes(str("service.namespace", "shop"))
            .addAttributes(str("telemetry.sdk.language", "python"))
            .addAttributes(str("k8s.pod.name", "checkout-5d8b7c9f4-x2x7q"))
            .addAttributes(bool("app.canary", false))
            .addAttributes(doubleAttr("app.weight", 0.25)))
        .setSchemaUrl(SCHEMA_1_24)
        .build();
  }

  private static ResourceSpans billingResource() {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(str("service.name", BILLING))
            .addAttributes(str("telemetry.sdk.language", "nodejs"))
            .addAttributes(kv("app.build", kvlist(str("commit", "9f3c2ab"), intAttr("number", 812))))
            .setDroppedAttributesCount(2))
        .setSchemaUrl(SCHEMA_1_26)
        .build();
  }

  private static ScopeSpans scope(String name, String version, String schemaUrl,
      List<KeyValue> attributes, int droppedAttributes) {
    return ScopeSpans.newBuilder()
        .setScope(InstrumentationScope.newBuilder()
            .setName(name)
            .setVersion(version)
            .addAllAttributes(attributes)
            .setDroppedAttributesCount(droppedAttributes))
        .setSchemaUrl(schemaUrl)
        .build();
  }

  private static AnyValue array(AnyValue... values) {
    return AnyValue.newBuilder()
        .setArrayValue(ArrayValue.newBuilder().addAllValues(List.of(values)))
        .build();
  }

  private static AnyValue kvlist(KeyValue... values) {
    return AnyValue.newBuilder()
        .setKvlistValue(KeyValueList.newBuilder().addAllValues(List.of(values)))
        .build();
  }

  private static Status.Builder ok() {
    return Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK);
  }

  private static Status.Builder error(String message) {
    return Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage(message);
  }

  // SplitMix64: spreads consecutive seeds over the whole 64-bit range.
  private static long mix(long seed) {
    long z = seed + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
