package dev.skein.exporterhelper;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch in the persistent sending queue keeps its tenant, and older stored batches still read. */
class StoredBatchTenantTest {
  private static final Traces BATCH = Traces.of(List.of(ResourceSpans.newBuilder()
      .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
          .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).setName("op")))
      .build()));

  @Test
  void tenantSurvivesTheQueue() throws Exception {
    Traces t = BATCH.withTenant("acme");
    Traces back = HelperExporter.decode(HelperExporter.encode(t));
    assertThat(back).isEqualTo(t);
    assertThat(back.tenant()).isEqualTo("acme");
  }

  @Test
  void batchWithoutTenantIsPlainTracesData() throws Exception {
    byte[] bytes = HelperExporter.encode(BATCH);
    assertThat(bytes).isEqualTo(TracesData.newBuilder().addAllResourceSpans(BATCH.resourceSpans()).build().toByteArray());
    assertThat(HelperExporter.decode(bytes)).isEqualTo(BATCH);
    assertThat(HelperExporter.decode(bytes).tenant()).isEmpty();
  }

  @Test
  void otlpReadersSeeOnlyTheSpans() throws Exception {
    TracesData data = TracesData.parseFrom(HelperExporter.encode(BATCH.withTenant("acme")));
    assertThat(data.getResourceSpansList()).isEqualTo(BATCH.resourceSpans());
  }
}
