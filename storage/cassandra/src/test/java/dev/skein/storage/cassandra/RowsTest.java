package dev.skein.storage.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RowsTest {
  private static final ResourceSpans SHOP = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
      .addAttributes(KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("shop"))))
      .build();
  private static final ResourceSpans STOCK = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
      .addAttributes(KeyValue.newBuilder().setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("stock"))))
      .build();
  private static final Span SPAN = Span.newBuilder().setTraceId(ByteString.fromHex("0af7651916cd43dd8448eb211c80319c"))
      .setSpanId(ByteString.fromHex("b7ad6b7169203331")).setName("GET /stock").setStartTimeUnixNano(5).build();

  @Test
  void keysAWrittenSpanTheSameWayEveryTimeSoARetryOverwritesIt() {
    Rows.SpanRow a = Rows.row(Rows.header(SHOP), Rows.header(ScopeSpans.getDefaultInstance()), SPAN);
    Rows.SpanRow b = Rows.row(Rows.header(SHOP.toBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(SPAN)).build()),
        Rows.header(ScopeSpans.getDefaultInstance()), SPAN);

    assertThat(a.key()).isEqualTo(b.key());
    assertThat(a.key().remaining()).isEqualTo(16);
  }

  @Test
  void keysSpansThatOnlyShareASpanIdApart() {
    Rows.SpanRow client = Rows.row(Rows.header(SHOP), Rows.header(ScopeSpans.getDefaultInstance()), SPAN);
    Rows.SpanRow server = Rows.row(Rows.header(STOCK), Rows.header(ScopeSpans.getDefaultInstance()), SPAN);

    assertThat(client.key()).isNotEqualTo(server.key());
  }

  @Test
  void readsRowsBackUnderTheirResourceAndScope() throws Exception {
    Rows.Collector c = new Rows.Collector();
    for (ResourceSpans rs : new ResourceSpans[] {SHOP, STOCK, SHOP}) {
      Rows.SpanRow r = Rows.row(Rows.header(rs), Rows.header(ScopeSpans.getDefaultInstance()),
          rs == STOCK ? SPAN.toBuilder().setName("reserve").build() : SPAN);
      c.add(r.resource(), r.scope(), r.span());
    }

    Traces t = c.build();
    assertThat(t.resourceSpans()).hasSize(2);
    assertThat(t.spanCount()).isEqualTo(3);
  }

  @Test
  void expiresRowsRetentionAfterTheSpanStarted() {
    long now = 1_000_000_000_000_000_000L;
    Duration week = Duration.ofDays(7);

    assertThat(CassandraTraceStore.ttl(week, now, now)).isEqualTo(604_800);
    assertThat(CassandraTraceStore.ttl(week, now - Duration.ofDays(1).toNanos(), now)).isEqualTo(518_400);
    assertThat(CassandraTraceStore.ttl(week, now - Duration.ofDays(8).toNanos(), now)).as("already expired").isNegative();
    assertThat(CassandraTraceStore.ttl(week, now + Duration.ofDays(1).toNanos(), now))
        .as("a clock ahead of ours does not make a row outlive the retention").isEqualTo(604_800);
  }
}
