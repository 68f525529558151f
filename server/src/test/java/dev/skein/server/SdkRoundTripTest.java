package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.model.Hex;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spans made by the real OpenTelemetry Java SDK, sent with its own OTLP exporters into the
 * default configuration (batch processor, durable embedded store), come back through the query
 * API with every field equal.
 */
class SdkRoundTripTest {
  @TempDir
  Path data;

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void everyFieldSurvivesTheRoundTrip(String protocol) throws Exception {
    String service = "checkout-" + protocol.replace('/', '-');
    try (TestServer server = new TestServer(data)) {
      SpanExporter exporter = protocol.equals("grpc")
          ? OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build()
          : OtlpHttpSpanExporter.builder().setEndpoint(server.otlpHttpUrl()).build();
      InMemorySpanExporter memory = InMemorySpanExporter.create();
      SdkTracerProvider provider = SdkTracerProvider.builder()
          .setResource(Resource.create(Attributes.builder()
              .put("service.name", service)
              .put("service.version", "1.4.2")
              .put("host.cpu.count", 8L)
              .build(), "https://opentelemetry.io/schemas/1.24.0"))
          .setSpanLimits(SpanLimits.builder().setMaxNumberOfEvents(3).setMaxNumberOfAttributes(12).build())
          .addSpanProcessor(SimpleSpanProcessor.create(memory))
          .addSpanProcessor(SimpleSpanProcessor.create(exporter))
          .build();
      makeSpans(provider.get("shop.orders", "2.0.1"));
      assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();

      List<SpanData> sent = memory.getFinishedSpanItems();
      assertThat(sent).hasSize(3);
      String traceId = sent.get(0).getTraceId();

      TestServer.Reply v3 = server.get("/api/v3/traces/" + traceId);
      assertThat(v3.status()).isEqualTo(200);
      TracesData stored = OtlpJson.decode(
          TestServer.JSON.writeValueAsBytes(v3.json().get("result")), TracesData.getDefaultInstance());
      Map<String, Found> byId = index(stored);
      assertThat(byId).hasSize(sent.size());
      for (SpanData expected : sent) {
        Found f = byId.get(expected.getSpanId());
        assertThat(f).as("span %s", expected.getName()).isNotNull();
        assertSpanEquals(expected, f);
      }

      TestServer.Reply jaeger = server.get("/api/traces/" + traceId);
      assertThat(jaeger.status()).isEqualTo(200);
      assertThat(jaeger.contentType()).startsWith("application/json");
      JsonNode trace = jaeger.json().get("data").get(0);
      assertThat(trace.get("spans")).hasSize(3);
      List<String> names = new ArrayList<>();
      trace.get("spans").forEach(s -> names.add(s.get("operationName").asText()));
      assertThat(names).containsExactlyInAnyOrder("GET /orders/{id}", "order.process", "SELECT stock");
      assertThat(trace.get("processes").elements().next().get("serviceName").asText())
          .isEqualTo(service);

      assertThat(server.get("/api/services").json().get("data"))
          .extracting(JsonNode::asText).containsExactly(service);
      assertThat(server.get("/api/services/" + service + "/operations").json().get("data"))
          .extracting(JsonNode::asText)
          .containsExactlyInAnyOrder("GET /orders/{id}", "order.process", "SELECT stock");
      provider.close();
    }
  }

  private static void makeSpans(Tracer tracer) {
    SpanContext remoteParent = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.builder().put("skein", "t61rcWkgMzE").build());
    SpanContext linked = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getDefault(), TraceState.builder().put("other", "v").build());
    Span root = tracer.spanBuilder("GET /orders/{id}").setSpanKind(SpanKind.SERVER)
        .setParent(Context.root().with(Span.wrap(remoteParent)))
        .setStartTimestamp(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS)
        .setAttribute("http.request.method", "GET")
        .setAttribute("http.response.status_code", 200L)
        .setAttribute("sampled.ratio", 0.25)
        .setAttribute("cache.hit", false)
        .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
        .setAttribute(AttributeKey.longArrayKey("ports"), List.of(80L, 443L))
        .setAttribute(AttributeKey.doubleArrayKey("weights"), List.of(0.5, 1.5))
        .setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false))
        .startSpan();
    Span process = tracer.spanBuilder("order.process").setParent(Context.root().with(root))
        .addLink(linked, Attributes.of(AttributeKey.stringKey("link.reason"), "retry-of"))
        .startSpan();
    process.setAttribute("order.id", "ord-1001");
    for (int i = 0; i < 5; i++) {
      process.addEvent("step." + i, Attributes.of(AttributeKey.longKey("step"), (long) i));
    }
    for (int i = 0; i < 14; i++) {
      process.setAttribute("extra." + i, i);
    }
    Span db = tracer.spanBuilder("SELECT stock").setSpanKind(SpanKind.CLIENT)
        .setParent(Context.root().with(process)).startSpan();
    db.recordException(new IllegalStateException("stock table locked"));
    db.setStatus(StatusCode.ERROR, "lock timeout after 800 ms");
    db.end(1_700_000_000_950_000_000L, TimeUnit.NANOSECONDS);
    process.setStatus(StatusCode.OK);
    process.end();
    root.end(1_700_000_001_000_000_000L, TimeUnit.NANOSECONDS);
  }

  record Found(ResourceSpans resource, ScopeSpans scope, io.opentelemetry.proto.trace.v1.Span span) {}

  private static Map<String, Found> index(TracesData data) {
    Map<String, Found> out = new LinkedHashMap<>();
    for (ResourceSpans rs : data.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span s : ss.getSpansList()) {
          out.put(Hex.encode(s.getSpanId()), new Found(rs, ss, s));
        }
      }
    }
    return out;
  }

  private static void assertSpanEquals(SpanData e, Found f) {
    io.opentelemetry.proto.trace.v1.Span s = f.span();
    assertThat(Hex.encode(s.getTraceId())).isEqualTo(e.getTraceId());
    assertThat(Hex.encode(s.getParentSpanId())).isEqualTo(e.getParentSpanId());
    assertThat(s.getTraceState()).isEqualTo(w3c(e.getSpanContext().getTraceState()));
    assertThat(s.getFlags() & 0xff).isEqualTo(e.getSpanContext().getTraceFlags().asByte() & 0xff);
    assertThat(s.getName()).isEqualTo(e.getName());
    assertThat(s.getKind().getNumber()).isEqualTo(e.getKind().ordinal() + 1);
    assertThat(s.getStartTimeUnixNano()).isEqualTo(e.getStartEpochNanos());
    assertThat(s.getEndTimeUnixNano()).isEqualTo(e.getEndEpochNanos());
    assertThat(attributes(s.getAttributesList())).isEqualTo(attributes(e.getAttributes()));
    assertThat(s.getDroppedAttributesCount())
        .isEqualTo(e.getTotalAttributeCount() - e.getAttributes().size());
    assertThat(s.getEventsCount()).isEqualTo(e.getEvents().size());
    for (int i = 0; i < e.getEvents().size(); i++) {
      EventData ev = e.getEvents().get(i);
      assertThat(s.getEvents(i).getName()).isEqualTo(ev.getName());
      assertThat(s.getEvents(i).getTimeUnixNano()).isEqualTo(ev.getEpochNanos());
      assertThat(attributes(s.getEvents(i).getAttributesList())).isEqualTo(attributes(ev.getAttributes()));
    }
    assertThat(s.getDroppedEventsCount()).isEqualTo(e.getTotalRecordedEvents() - e.getEvents().size());
    assertThat(s.getLinksCount()).isEqualTo(e.getLinks().size());
    for (int i = 0; i < e.getLinks().size(); i++) {
      LinkData l = e.getLinks().get(i);
      assertThat(Hex.encode(s.getLinks(i).getTraceId())).isEqualTo(l.getSpanContext().getTraceId());
      assertThat(Hex.encode(s.getLinks(i).getSpanId())).isEqualTo(l.getSpanContext().getSpanId());
      assertThat(s.getLinks(i).getTraceState()).isEqualTo(w3c(l.getSpanContext().getTraceState()));
      assertThat(attributes(s.getLinks(i).getAttributesList())).isEqualTo(attributes(l.getAttributes()));
    }
    assertThat(s.getStatus().getCodeValue()).isEqualTo(switch (e.getStatus().getStatusCode()) {
      case UNSET -> 0;
      case OK -> 1;
      case ERROR -> 2;
    });
    assertThat(s.getStatus().getMessage()).isEqualTo(e.getStatus().getDescription());
    assertThat(attributes(f.resource().getResource().getAttributesList()))
        .isEqualTo(attributes(e.getResource().getAttributes()));
    assertThat(f.resource().getSchemaUrl()).isEqualTo(e.getResource().getSchemaUrl());
    InstrumentationScopeInfo scope = e.getInstrumentationScopeInfo();
    assertThat(f.scope().getScope().getName()).isEqualTo(scope.getName());
    assertThat(f.scope().getScope().getVersion()).isEqualTo(scope.getVersion());
  }

  private static String w3c(TraceState state) {
    StringBuilder b = new StringBuilder();
    state.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  /** Attributes as plain Java values, so the SDK's and the stored ones compare directly. */
  private static Map<String, Object> attributes(Attributes attrs) {
    Map<String, Object> out = new LinkedHashMap<>();
    attrs.forEach((k, v) -> out.put(k.getKey(), k.getType() == AttributeType.STRING ? v.toString() : v));
    return new java.util.TreeMap<>(out);
  }

  private static Map<String, Object> attributes(List<KeyValue> kvs) {
    Map<String, Object> out = new java.util.TreeMap<>();
    kvs.forEach(kv -> out.put(kv.getKey(), value(kv.getValue())));
    return out;
  }

  private static Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE: return v.getStringValue();
      case BOOL_VALUE: return v.getBoolValue();
      case INT_VALUE: return v.getIntValue();
      case DOUBLE_VALUE: return v.getDoubleValue();
      case BYTES_VALUE: return new String(v.getBytesValue().toByteArray(), StandardCharsets.ISO_8859_1);
      case ARRAY_VALUE: {
        List<Object> l = new ArrayList<>();
        v.getArrayValue().getValuesList().forEach(x -> l.add(value(x)));
        return l;
      }
      default: return v.toString();
    }
  }
}
