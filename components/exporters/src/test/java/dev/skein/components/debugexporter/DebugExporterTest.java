package dev.skein.components.debugexporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebugExporterTest {
  private final List<String> written = new ArrayList<>();
  private long now = 0;

  private DebugExporter exporter(String yaml) throws Exception {
    DebugExporterConfig config = (DebugExporterConfig) Components.validConfig(new DebugExporterFactory(), yaml);
    return new DebugExporter(new CreateSettings(ComponentId.parse("debug"), new Telemetry()), config,
        written::add, () -> now);
  }

  private static Traces checkout() {
    Span span = Span.newBuilder()
        .setTraceId(ByteString.fromHex("3bde5d3ee82303571bba6e1136781fe4"))
        .setSpanId(ByteString.fromHex("2cf3ef2899aba35c"))
        .setParentSpanId(ByteString.fromHex("5e9dcf9bac4acc1f"))
        .setName("okey-dokey")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1_699_678_143_509_369_393L)
        .setEndTimeUnixNano(1_699_678_143_509_493_770L)
        .addAttributes(KeyValue.newBuilder().setKey("net.peer.ip")
            .setValue(AnyValue.newBuilder().setStringValue("1.2.3.4")))
        .addAttributes(KeyValue.newBuilder().setKey("retries")
            .setValue(AnyValue.newBuilder().setIntValue(3)))
        .addAttributes(KeyValue.newBuilder().setKey("tags").setValue(AnyValue.newBuilder()
            .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("a"))
                .addValues(AnyValue.newBuilder().setDoubleValue(0.5)))))
        .addAttributes(KeyValue.newBuilder().setKey("owner").setValue(AnyValue.newBuilder()
            .setKvlistValue(KeyValueList.newBuilder().addValues(KeyValue.newBuilder().setKey("team")
                .setValue(AnyValue.newBuilder().setStringValue("payments"))))))
        .addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(1_699_678_143_509_400_000L))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .build();
    return Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("telemetrygen"))))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.4.0")
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder().setName("telemetrygen"))
            .addSpans(span))
        .build()));
  }

  @Test
  void basicWritesOneLineWithTheCounts() throws Exception {
    exporter("{}").consume(new TestSpans(1).batch("a", 3)).join();

    assertThat(written).containsExactly("TracesExporter {\"kind\": \"exporter\", \"data_type\": \"traces\","
        + " \"name\": \"debug\", \"resource spans\": 1, \"spans\": 3}");
  }

  @Test
  void normalAddsOneLinePerSpan() throws Exception {
    exporter("verbosity: normal").consume(checkout()).join();

    assertThat(written).hasSize(2);
    assertThat(written.get(1)).isEqualTo("okey-dokey 3bde5d3ee82303571bba6e1136781fe4 2cf3ef2899aba35c"
        + " net.peer.ip=1.2.3.4 retries=3 tags=[\"a\",0.5] owner={\"team\":\"payments\"}");
  }

  @Test
  void detailedWritesEveryField() throws Exception {
    exporter("verbosity: detailed").consume(checkout()).join();

    assertThat(written).hasSize(2);
    assertThat(written.get(1)).isEqualTo(String.join("\n",
        "ResourceSpans #0",
        "Resource SchemaURL: https://opentelemetry.io/schemas/1.4.0",
        "Resource attributes:",
        "     -> service.name: Str(telemetrygen)",
        "ScopeSpans #0",
        "ScopeSpans SchemaURL: ",
        "InstrumentationScope telemetrygen ",
        "Span #0",
        "    Trace ID       : 3bde5d3ee82303571bba6e1136781fe4",
        "    Parent ID      : 5e9dcf9bac4acc1f",
        "    ID             : 2cf3ef2899aba35c",
        "    Name           : okey-dokey",
        "    Kind           : Server",
        "    Start time     : 2023-11-11 04:49:03.509369393 +0000 UTC",
        "    End time       : 2023-11-11 04:49:03.50949377 +0000 UTC",
        "    Status code    : Error",
        "    Status message : boom",
        "Attributes:",
        "     -> net.peer.ip: Str(1.2.3.4)",
        "     -> retries: Int(3)",
        "     -> tags: Slice([\"a\",0.5])",
        "     -> owner: Map({\"team\":\"payments\"})",
        "Events:",
        "SpanEvent #0",
        "     -> Name: retry",
        "     -> Timestamp: 2023-11-11 04:49:03.5094 +0000 UTC",
        "     -> DroppedAttributesCount: 0"));
  }

  @Test
  void samplesAsTheCollectorsLoggerDoes() throws Exception {
    DebugExporter e = exporter("sampling_initial: 2\nsampling_thereafter: 3");
    for (int i = 0; i < 8; i++) {
      e.consume(new TestSpans(i).batch("a", i + 1)).join();
    }
    // Batches 1, 2, then every third: 5 and 8.
    assertThat(written).hasSize(4);
    assertThat(written.get(2)).endsWith("\"spans\": 5}");
    assertThat(written.get(3)).endsWith("\"spans\": 8}");

    now += 1_000_000_000L;
    e.consume(new TestSpans(9).batch("a", 9)).join();
    assertThat(written).hasSize(5);
  }

  @Test
  void validatesItsSettings() throws Exception {
    assertThat(Components.problems(new DebugExporterFactory(), "verbosity: loud\nsampling_thereafter: 0"))
        .containsExactly("verbosity: \"loud\" (expected: basic, normal or detailed)",
            "sampling_thereafter: 0 (expected: >= 1)");
    assertThat(Components.problems(new DebugExporterFactory(), "use_internal_logger: false")).isEmpty();
  }
}
