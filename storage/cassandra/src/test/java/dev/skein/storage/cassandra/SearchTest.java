package dev.skein.storage.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.storage.search.Attribute;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SearchTest {
  private static Search.Source choose(TraceQuery q) {
    return Search.choose(q.condition());
  }

  @Test
  void readsEveryTraceOfTheTimeRangeWithoutAService() {
    assertThat(choose(TraceQuery.builder().build()).kind()).isEqualTo(Search.Kind.TRACE);
    assertThat(choose(TraceQuery.builder().operation("GET /").spanKind(Span.SpanKind.SPAN_KIND_SERVER).build())
        .kind()).isEqualTo(Search.Kind.TRACE);
  }

  @Test
  void narrowsByServiceThenOperationThenDurationThenAttribute() {
    assertThat(choose(TraceQuery.builder().service("cart").build()))
        .isEqualTo(new Search.Source(Search.Kind.SERVICE, "cart", "", "", "", 0, Long.MAX_VALUE));
    assertThat(choose(TraceQuery.builder().service("cart").operation("GetCart").build()))
        .isEqualTo(new Search.Source(Search.Kind.OPERATION, "cart", "GetCart", "", "", 0, Long.MAX_VALUE));
    assertThat(choose(TraceQuery.builder().service("cart").operation("GetCart")
        .minSpanDuration(Duration.ofMillis(800)).maxSpanDuration(Duration.ofSeconds(2)).build()))
        .isEqualTo(new Search.Source(Search.Kind.DURATION, "cart", "GetCart", "", "", 800_000_000L, 2_000_000_000L));
    assertThat(choose(TraceQuery.builder().service("cart").operation("GetCart")
        .span(SpanCondition.compare(Attribute.span("http.route"), Comparison.EQ, Value.string("/cart"))).build()))
        .isEqualTo(new Search.Source(Search.Kind.TAG, "cart", "", "http.route", "/cart", 0, Long.MAX_VALUE));
  }

  @Test
  void usesTheIndexOfTheMostSelectiveSpanCondition() {
    TraceQuery q = TraceQuery.builder()
        .where(TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("a"))))
        .where(TraceCondition.hasSpan(SpanCondition.all(
            SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("b")),
            SpanCondition.compare(Intrinsic.NAME, Comparison.EQ, Value.string("op")))))
        .build();

    assertThat(choose(q).kind()).isEqualTo(Search.Kind.OPERATION);
    assertThat(choose(q).service()).isEqualTo("b");
  }

  @Test
  void doesNotTrustTheIndexForValuesTooLongToBeIndexed() {
    String longValue = "x".repeat(CassandraTraceStore.MAX_INDEXED_TAG + 1);
    TraceQuery q = TraceQuery.builder().service("cart")
        .span(SpanCondition.compare(Attribute.any("db.statement"), Comparison.EQ, Value.string(longValue))).build();

    assertThat(choose(q).kind()).isEqualTo(Search.Kind.SERVICE);
  }

  @Test
  void doesNotNarrowByConditionsThatAreNotRequired() {
    TraceQuery q = TraceQuery.builder().where(TraceCondition.anyOf(java.util.List.of(
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("a"))),
        TraceCondition.hasSpan(SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("b"))))))
        .build();

    assertThat(choose(q).kind()).isEqualTo(Search.Kind.TRACE);
    assertThat(choose(TraceQuery.builder().span(SpanCondition.not(
        SpanCondition.compare(Intrinsic.SERVICE, Comparison.EQ, Value.string("a")))).build()).kind())
        .isEqualTo(Search.Kind.TRACE);
  }
}
