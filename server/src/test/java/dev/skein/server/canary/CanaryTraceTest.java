package dev.skein.server.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.skein.server.canary.CanaryTrace.CanarySpan;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The canary's traces follow from their seed alone, and have the shape the canary promises. */
class CanaryTraceTest {
  private static final long SEED = 1_764_145_200_123L;

  @Test
  void theSameSeedAndServiceGiveTheSameTrace() {
    CanaryTrace a = CanaryTrace.generate(SEED, "skein-canary");
    CanaryTrace b = CanaryTrace.generate(SEED, "skein-canary");
    assertThat(a.request()).isEqualTo(b.request());
    assertThat(a.traceIdHex()).isEqualTo(b.traceIdHex());
  }

  @Test
  void anotherSeedOrServiceGivesAnotherTraceId() {
    String id = CanaryTrace.generate(SEED, "skein-canary").traceIdHex();
    assertThat(CanaryTrace.generate(SEED + 1, "skein-canary").traceIdHex()).isNotEqualTo(id);
    assertThat(CanaryTrace.generate(SEED, "other-canary").traceIdHex()).isNotEqualTo(id);
  }

  @Test
  void theTraceIdStartsWithTheSeed() {
    ByteString id = CanaryTrace.generate(SEED, "skein-canary").traceId();
    assertThat(id.size()).isEqualTo(16);
    assertThat(ByteBuffer.wrap(id.toByteArray()).getLong()).isEqualTo(SEED);
  }

  @Test
  void everyTraceIsATreeOfFourToEightSpansAcrossTwoOrThreeServices() {
    Set<Integer> sizes = new HashSet<>();
    Set<Integer> serviceCounts = new HashSet<>();
    for (long seed = SEED; seed < SEED + 200; seed++) {
      CanaryTrace trace = CanaryTrace.generate(seed, "shop");
      assertThat(trace.spans()).hasSizeBetween(4, 8);
      sizes.add(trace.spans().size());
      Map<ByteString, Span> byId = new HashMap<>();
      Set<String> services = new HashSet<>();
      int events = 0;
      for (CanarySpan s : trace.spans()) {
        Span span = s.span();
        assertThat(span.getTraceId()).isEqualTo(trace.traceId());
        assertThat(span.getStartTimeUnixNano()).isLessThan(span.getEndTimeUnixNano());
        if (span.getParentSpanId().isEmpty()) {
          assertThat(s).as("the root is the first span").isSameAs(trace.root());
        } else {
          Span parent = byId.get(span.getParentSpanId());
          assertThat(parent).as("the parent is written before the child").isNotNull();
          assertThat(span.getStartTimeUnixNano()).isGreaterThanOrEqualTo(parent.getStartTimeUnixNano());
          assertThat(span.getEndTimeUnixNano()).isLessThanOrEqualTo(parent.getEndTimeUnixNano());
        }
        assertThat(byId.put(span.getSpanId(), span)).as("span IDs are unique").isNull();
        assertThat(span.getAttributesList()).extracting(KeyValue::getKey)
            .containsExactly("canary.seed", "canary.index", "canary.word", "canary.ratio", "canary.flag");
        assertThat(span.getAttributes(0).getValue().getIntValue()).isEqualTo(seed);
        services.add(s.service());
        events += span.getEventsCount();
      }
      assertThat(trace.root().service()).isEqualTo("shop");
      assertThat(trace.root().span().getStartTimeUnixNano() / 1_000_000).isEqualTo(seed);
      assertThat(events).isEqualTo(1);
      assertThat(services).hasSizeBetween(2, 3).isSubsetOf("shop", "shop-api", "shop-db");
      serviceCounts.add(services.size());
    }
    assertThat(sizes).as("every size from 4 to 8 occurs").containsExactlyInAnyOrder(4, 5, 6, 7, 8);
    assertThat(serviceCounts).containsExactlyInAnyOrder(2, 3);
  }

  @Test
  void theRequestHoldsOneResourcePerService() {
    CanaryTrace trace = CanaryTrace.generate(SEED, "skein-canary");
    Set<String> services = new HashSet<>();
    trace.spans().forEach(s -> services.add(s.service()));
    assertThat(trace.request().getResourceSpansList()).hasSize(services.size());
    assertThat(trace.request().getResourceSpansList().stream().mapToInt(rs -> rs.getScopeSpans(0).getSpansCount()).sum())
        .isEqualTo(trace.spans().size());
  }

  @Test
  void aSeedMustBePositive() {
    assertThatThrownBy(() -> CanaryTrace.generate(0, "skein-canary")).hasMessage("seed: 0 (expected: > 0)");
  }
}
