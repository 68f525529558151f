package dev.skein.jaeger;

import static dev.skein.jaeger.JaegerTranslatorTest.boolTag;
import static dev.skein.jaeger.JaegerTranslatorTest.bytes;
import static dev.skein.jaeger.JaegerTranslatorTest.intTag;
import static dev.skein.jaeger.JaegerTranslatorTest.kv;
import static dev.skein.jaeger.JaegerTranslatorTest.ref;
import static dev.skein.jaeger.JaegerTranslatorTest.str;
import static dev.skein.jaeger.JaegerTranslatorTest.stringTag;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OTLP to Jaeger and back, through the protobuf bytes a gRPC call carries. */
class RoundTripTest {
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String OTHER_TRACE = "5b8efff798038103d269b633813fc60c";

  @Test
  void keepsEveryCarriedField() throws InvalidProtocolBufferException {
    Traces in = JaegerFixtures.everyCarriedField();

    assertThat(throughTheWire(in).resourceSpans()).containsExactlyElementsOf(in.resourceSpans());
  }

  @Test
  void changesOnlyWhatTheMappingSaysItChanges() throws InvalidProtocolBufferException {
    AnyValue array = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
        .addValues(str("a")).addValues(AnyValue.newBuilder().setIntValue(1))).build();
    Span in = JaegerTranslatorTest.otlpSpan()
        .setFlags(0x301)
        .addAttributes(kv("tags", array))
        .addLinks(Span.Link.newBuilder().setTraceId(bytes(OTHER_TRACE)).setSpanId(bytes("eee19b7ec3c1b174"))
            .setTraceState("x=1").addAttributes(kv("reason", str("batch").build())))
        .build();
    Traces traces = Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", str("s").build())))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(in))
        .build()));

    ResourceSpans out = throughTheWire(traces).resourceSpans().get(0);

    assertThat(out.getSchemaUrl()).isEmpty();
    Span span = out.getScopeSpans(0).getSpans(0);
    assertThat(span.getFlags()).as("only the sampled bit").isEqualTo(1);
    assertThat(span.getAttributesList()).containsExactly(kv("tags", str("[\"a\",1]").build()));
    assertThat(span.getLinksList()).containsExactly(Span.Link.newBuilder()
        .setTraceId(bytes(OTHER_TRACE)).setSpanId(bytes("eee19b7ec3c1b174"))
        .addAttributes(kv("opentracing.ref_type", str("follows_from").build())).build());
  }

  @Test
  void readingTheBatchesTogetherMergesEqualResources() {
    Span a = JaegerTranslatorTest.otlpSpan().build();
    Span b = JaegerTranslatorTest.otlpSpan().setSpanId(bytes("0000000000000002")).build();
    Traces in = Traces.of(List.of(
        JaegerTranslatorTest.resourceSpans("s", a), JaegerTranslatorTest.resourceSpans("s", b)));

    Traces out = JaegerTranslator.toTraces(JaegerTranslator.toBatches(in));

    assertThat(out.resourceSpans()).hasSize(1);
    assertThat(out.resourceSpans().get(0).getScopeSpans(0).getSpansList()).containsExactly(a, b);
  }

  @Test
  void aJaegerClientsSpanComesBackAsItWas() throws InvalidProtocolBufferException {
    Model.Batch in = Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName("frontend")
            .addTags(stringTag("ip", "10.0.0.7"))
            .addTags(intTag("client-uuid", 7)))
        .addSpans(Model.Span.newBuilder()
            .setTraceId(bytes(TRACE))
            .setSpanId(bytes("b7ad6b7169203331"))
            .setOperationName("HTTP GET")
            .addReferences(ref(TRACE, "00f067aa0ba902b7", Model.SpanRefType.CHILD_OF))
            .addReferences(ref(OTHER_TRACE, "eee19b7ec3c1b174", Model.SpanRefType.FOLLOWS_FROM))
            .setFlags(1)
            .setStartTime(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(1000))
            .setDuration(Duration.newBuilder().setSeconds(2).setNanos(3000))
            .addTags(stringTag("component", "net/http"))
            .addTags(boolTag("sampler.param", true))
            .addTags(stringTag("span.kind", "server"))
            .addTags(stringTag("otel.status_code", "ERROR"))
            .addTags(boolTag("error", true))
            .addLogs(Model.Log.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_001L))
                .addFields(stringTag("event", "error"))
                .addFields(stringTag("message", "upstream reset"))))
        .build();

    List<Model.Batch> back = JaegerTranslator.toBatches(JaegerTranslator.toTraces(
        Model.Batch.parseFrom(in.toByteArray())));

    assertThat(back).containsExactly(in);
  }

  /** Each batch is sent as its own request, as the exporter does, and read as the receiver does. */
  private static Traces throughTheWire(Traces traces) throws InvalidProtocolBufferException {
    List<ResourceSpans> out = new ArrayList<>();
    List<Model.Batch> batches = new ArrayList<>();
    for (Model.Batch b : JaegerTranslator.toBatches(traces)) {
      byte[] wire = PostSpansRequest.newBuilder().setBatch(b).build().toByteArray();
      batches.add(PostSpansRequest.parseFrom(wire).getBatch());
    }
    for (Model.Batch b : batches) {
      out.addAll(JaegerTranslator.toTraces(b).resourceSpans());
    }
    return Traces.of(out);
  }
}
