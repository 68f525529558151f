package dev.skein.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.model.TraceId;
import dev.skein.model.Traces;
import dev.skein.storage.Capabilities;
import dev.skein.storage.Capabilities.Capability;
import dev.skein.storage.Operation;
import dev.skein.storage.StorageException;
import dev.skein.storage.TraceStore;
import dev.skein.storage.conformance.Fixtures;
import dev.skein.storage.conformance.TraceStoreConformance;
import dev.skein.storage.search.Comparison;
import dev.skein.storage.search.Intrinsic;
import dev.skein.storage.search.RegexBudgetExceededException;
import dev.skein.storage.search.SpanCondition;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.Value;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryTraceStoreTest extends TraceStoreConformance {
  @Override
  protected TraceStore open(Path dir) {
    return MemoryTraceStore.create();
  }

  @Override
  protected Capabilities expectedCapabilities() {
    return Capabilities.of(Capability.TRACE_BY_ID, Capability.SEARCH, Capability.TRACEQL_STRUCTURAL,
        Capability.DEPENDENCIES, Capability.TAGS, Capability.ANALYTICS);
  }

  @Test
  void stopsACatastrophicRegularExpressionAtTheBudget() {
    TraceId id = Fixtures.traceId(7);
    await(store.write(Traces.builder().add(Fixtures.resource("svc"), Fixtures.defaultScope(),
        Fixtures.span(id, Fixtures.spanId(1), null, "a".repeat(40) + "!", SpanKind.SPAN_KIND_SERVER,
            recently(), recently() + 1).build()).build()));
    // Nested quantifiers backtrack for a very long time in Java's engine on a near miss.
    TraceQuery query = TraceQuery.builder()
        .span(SpanCondition.compare(Intrinsic.NAME, Comparison.MATCHES, Value.string("(.*a){20}")))
        .regexBudget(Duration.ofMillis(200))
        .build();

    assertThatThrownBy(() -> store.search(query)).isInstanceOf(RegexBudgetExceededException.class)
        .hasMessageContaining("200 ms");
  }

  @Test
  void evictsTheOldestTracesFirst() {
    try (MemoryTraceStore small = MemoryTraceStore.create(3)) {
      for (int i = 0; i < 5; i++) {
        await(small.write(Fixtures.singleSpan(Fixtures.traceId(i), "svc-" + i, "op",
            SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(1))));
      }
      // More spans of a held trace do not make it younger: eviction follows the first write.
      await(small.write(Fixtures.singleSpan(Fixtures.traceId(2), "svc-2", "late",
          SpanKind.SPAN_KIND_CLIENT, recently(), Duration.ofMillis(1))));
      await(small.write(Fixtures.singleSpan(Fixtures.traceId(5), "svc-5", "op",
          SpanKind.SPAN_KIND_SERVER, recently(), Duration.ofMillis(1))));

      assertThat(small.trace(Fixtures.traceId(0))).isEmpty();
      assertThat(small.trace(Fixtures.traceId(1))).isEmpty();
      assertThat(small.trace(Fixtures.traceId(2))).isEmpty();
      for (int i = 3; i <= 5; i++) {
        TraceId id = Fixtures.traceId(i);
        assertThat(small.trace(id)).as("trace %s", i).isPresent();
      }
      assertThat(small.services()).containsExactly("svc-3", "svc-4", "svc-5");
      assertThat(small.operations("svc-2", null)).isEmpty();
      assertThat(small.operations("svc-5", null)).containsExactly(new Operation("op", "server"));
    }
  }

  @Test
  void keepsAHundredThousandTracesByDefault() {
    assertThat(MemoryTraceStore.create().maxTraces()).isEqualTo(100_000);
    assertThat(MemoryTraceStore.create(7).maxTraces()).isEqualTo(7);
  }

  @Test
  void rejectsANonPositiveMaximum() {
    assertThatThrownBy(() -> MemoryTraceStore.create(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxTraces: 0 (expected: > 0)");
  }

  @Test
  void failsReadsAfterClose() {
    store.close();

    assertThatThrownBy(() -> store.trace(Fixtures.traceId(1))).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> store.services()).isInstanceOf(StorageException.class);
  }
}
