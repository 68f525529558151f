package dev.skein.jaeger;

import com.google.protobuf.ByteString;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;

/** Test data shared by the translator's and the components' tests. */
public final class JaegerFixtures {
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String OTHER_TRACE = "5b8efff798038103d269b633813fc60c";

  private JaegerFixtures() {}

  /** Spans that use every field the translator carries, in the forms it carries exactly. */
  public static Traces everyCarriedField() {
    Span root = Span.newBuilder()
        .setTraceId(bytes(TRACE))
        .setSpanId(bytes("b7ad6b7169203331"))
        .setFlags(1)
        .setName("GET /checkout")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1_700_000_000_123_456_789L)
        .setEndTimeUnixNano(1_700_000_000_923_456_790L)
        .addAttributes(kv("http.method", str("GET").build()))
        .addAttributes(kv("http.status_code", AnyValue.newBuilder().setIntValue(200).build()))
        .addAttributes(kv("cache.hit", AnyValue.newBuilder().setBoolValue(true).build()))
        .addAttributes(kv("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()))
        .addAttributes(kv("payload", AnyValue.newBuilder().setBytesValue(bytes("deadbeef")).build()))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
        .setTraceState("vendor=1,other=2")
        .setDroppedAttributesCount(3)
        .setDroppedEventsCount(4)
        .setDroppedLinksCount(5)
        .build();
    Span query = Span.newBuilder()
        .setTraceId(bytes(TRACE))
        .setSpanId(bytes("00f067aa0ba902b7"))
        .setParentSpanId(bytes("b7ad6b7169203331"))
        .setName("SELECT orders")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_700_000_000_200_000_000L)
        .setEndTimeUnixNano(1_700_000_001_000_000_001L)
        .addAttributes(kv("db.system", str("postgresql").build()))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("statement timeout"))
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_700_000_000_999_999_999L).setName("exception")
            .addAttributes(kv("exception.type", str("org.postgresql.util.PSQLException").build()))
            .setDroppedAttributesCount(1))
        .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_700_000_000_500_000_000L)
            .addAttributes(kv("message", str("retrying").build())))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes(OTHER_TRACE)).setSpanId(bytes("eee19b7ec3c1b174"))
            .addAttributes(kv("opentracing.ref_type", str("follows_from").build())))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes(OTHER_TRACE)).setSpanId(bytes("1111111111111111"))
            .addAttributes(kv("opentracing.ref_type", str("child_of").build())))
        .build();
    Span internal = Span.newBuilder()
        .setTraceId(bytes(TRACE))
        .setSpanId(bytes("2222222222222222"))
        .setParentSpanId(bytes("b7ad6b7169203331"))
        .setName("render")
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(1_700_000_000_300_000_000L)
        .setEndTimeUnixNano(1_700_000_000_300_000_000L)
        .build();
    Span worker = Span.newBuilder()
        .setTraceId(bytes(TRACE))
        .setSpanId(bytes("3333333333333333"))
        .setParentSpanId(bytes("00f067aa0ba902b7"))
        .setName("publish")
        .setKind(Span.SpanKind.SPAN_KIND_PRODUCER)
        .setStartTimeUnixNano(1_700_000_000_400_000_000L)
        .setEndTimeUnixNano(1_700_000_000_450_000_000L)
        .build();
    return Traces.of(List.of(
        ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder()
                .addAttributes(kv("service.name", str("checkout").build()))
                .addAttributes(kv("host.name", str("web-1").build()))
                .addAttributes(kv("process.pid", AnyValue.newBuilder().setIntValue(42).build())))
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.servlet").setVersion("2.1"))
                .addSpans(root))
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.jdbc"))
                .addSpans(query))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(internal))
            .build(),
        ResourceSpans.newBuilder()
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(worker))
            .build()));
  }

  private static AnyValue.Builder str(String s) {
    return AnyValue.newBuilder().setStringValue(s);
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(Hex.decode(hex));
  }
}
