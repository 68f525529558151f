package dev.skein.components.exporters.testing;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Realistic batches, and a way to compare what was sent with what arrived. */
public final class TestSpans {
  private final Random random;

  public TestSpans(long seed) {
    this.random = new Random(seed);
  }

  /** One span as it belongs to its resource and scope, independent of how batches group them. */
  public record Placed(Resource resource, String resourceSchemaUrl, InstrumentationScope scope,
      String scopeSchemaUrl, Span span) {}

  /** A batch of {@code spans} spans of one trace from {@code service}, with attributes, events and a link. */
  public Traces batch(String service, int spans) {
    byte[] traceId = new byte[16];
    random.nextBytes(traceId);
    long start = 1_700_000_000_000_000_000L + random.nextInt(1_000_000) * 1_000L;
    ScopeSpans.Builder scope = ScopeSpans.newBuilder()
        .setScope(InstrumentationScope.newBuilder().setName("io.skein.test").setVersion("1.2.3"))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0");
    ByteString parent = ByteString.EMPTY;
    for (int i = 0; i < spans; i++) {
      byte[] spanId = new byte[8];
      random.nextBytes(spanId);
      spanId[0] |= 1;
      Span.Builder s = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(traceId))
          .setSpanId(ByteString.copyFrom(spanId))
          .setParentSpanId(parent)
          .setName(i == 0 ? "GET /checkout" : "SELECT orders " + i)
          .setKind(i == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(start + i * 1_000_000L)
          .setEndTimeUnixNano(start + i * 1_000_000L + 800_000L)
          .addAttributes(str("db.system", "postgresql"))
          .addAttributes(KeyValue.newBuilder().setKey("http.status_code")
              .setValue(AnyValue.newBuilder().setIntValue(200 + i)))
          .addAttributes(KeyValue.newBuilder().setKey("sampled")
              .setValue(AnyValue.newBuilder().setBoolValue(true)))
          .addEvents(Span.Event.newBuilder().setName("cache miss").setTimeUnixNano(start + 10)
              .addAttributes(str("key", "order-" + i)))
          .setStatus(Status.newBuilder().setCode(i % 3 == 2 ? Status.StatusCode.STATUS_CODE_ERROR
              : Status.StatusCode.STATUS_CODE_UNSET).setMessage(i % 3 == 2 ? "timeout" : ""));
      if (i == 1) {
        s.addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(traceId))
            .setSpanId(ByteString.copyFrom(spanId)).setTraceState("k=v"));
      }
      Span span = s.build();
      scope.addSpans(span);
      parent = span.getSpanId();
    }
    ResourceSpans rs = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", service))
            .addAttributes(str("host.name", "node-" + random.nextInt(5))))
        .addScopeSpans(scope)
        .build();
    return Traces.of(List.of(rs));
  }

  /** Every span of {@code batches} with its resource and scope. */
  public static List<Placed> flatten(List<Traces> batches) {
    List<Placed> out = new ArrayList<>();
    for (Traces t : batches) {
      t.forEachSpan((rs, ss, span) -> out.add(new Placed(rs.getResource(), rs.getSchemaUrl(), ss.getScope(),
          ss.getSchemaUrl(), span)));
    }
    return out;
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
