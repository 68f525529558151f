package dev.skein.components.tailsampling;

import static dev.skein.components.tailsampling.TestData.batch;
import static dev.skein.components.tailsampling.TestData.resource;
import static dev.skein.components.tailsampling.TestData.span;
import static dev.skein.components.tailsampling.TestData.traceId;
import static dev.skein.components.tailsampling.TestData.withStatus;
import static io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.skein.components.tailsampling.TestData.ManualClock;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The processor driven by a manual clock: decisions happen when the test calls {@code tick()}. */
class TailSamplingProcessorTest {
  private static final String ERRORS = "policies: [{name: errors, type: status_code,"
      + " status_code: {status_codes: [ERROR]}}]";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ManualClock clock = new ManualClock();
  private final Telemetry telemetry = new Telemetry();
  private final Downstream downstream = new Downstream();
  private TailSamplingProcessor processor;

  private TailSamplingProcessor create(String yaml) {
    TailSamplingConfig config = TestData.valid(yaml);
    processor = new TailSamplingProcessor(new CreateSettings(ComponentId.of("tail_sampling"), telemetry), config,
        downstream, clock);
    return processor;
  }

  @AfterEach
  void shutdown() {
    if (processor != null) {
      processor.shutdown();
    }
  }

  private static Span error(long trace) {
    return withStatus(span(trace, 5, 1), STATUS_CODE_ERROR).build();
  }

  private static long counter(Telemetry telemetry, String key) {
    return TestData.counters(telemetry).getOrDefault(key, 0L);
  }

  @Test
  void decidesDecisionWaitAfterTheFirstSpanOfATrace() {
    create("policies: [{name: all, type: always_sample}]");
    CompletableFuture<Void> first = processor.consume(batch(span(1)));
    assertThat(first).as("acknowledged once buffered").isCompleted();

    clock.advance(Duration.ofSeconds(20));
    processor.consume(batch(span(1, 100, 1).build()));
    processor.consume(batch(span(2)));
    clock.advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(processor.tick()).isZero();
    assertThat(downstream.batches()).isEmpty();

    clock.advance(Duration.ofNanos(1));
    assertThat(processor.tick()).isEqualTo(1);
    assertThat(downstream.traceIds()).containsExactly(traceId(1));
    assertThat(downstream.spanCount()).as("both spans of trace 1, the late one included").isEqualTo(2);

    clock.advance(Duration.ofSeconds(20));
    assertThat(processor.tick()).isEqualTo(1);
    assertThat(downstream.traceIds()).containsExactly(traceId(1), traceId(2));
  }

  @Test
  void onlyTracesThePoliciesSampleGoDownstream() {
    create(ERRORS);
    processor.consume(batch(span(1), span(2), error(2), span(3)));
    clock.advance(WAIT);
    assertThat(processor.tick()).isEqualTo(3);
    assertThat(downstream.traceIds()).containsExactly(traceId(2));
    assertThat(downstream.spanCount()).isEqualTo(2);
    assertThat(TestData.counters(telemetry)).containsEntry(
        "otelcol_processor_tail_sampling_global_count_traces_sampled{sampled=true}", 1L).containsEntry(
        "otelcol_processor_tail_sampling_global_count_traces_sampled{sampled=false}", 2L).containsEntry(
        "otelcol_processor_tail_sampling_new_trace_id_received{processor=tail_sampling}", 3L);
  }

  @Test
  void tracesDecidedTogetherAreSentTogetherWithTheirResourcesMerged() {
    create("policies: [{name: all, type: always_sample}]");
    processor.consume(batch(span(1)));
    processor.consume(batch(span(2)));
    processor.consume(batch(resource(TestData.str("k8s.pod.name", "other")), span(3)));
    clock.advance(WAIT);
    processor.tick();
    assertThat(downstream.batches()).singleElement().satisfies(b -> {
      assertThat(b.spanCount()).isEqualTo(3);
      assertThat(b.resourceSpans()).hasSize(2);
    });
  }

  @Test
  void lateSpansOfASampledTraceGoDownstreamAtOnceAndTheirFutureFollowsDownstream() {
    create(ERRORS);
    processor.consume(batch(error(1)));
    clock.advance(WAIT);
    processor.tick();

    CompletableFuture<Void> downstreamDone = new CompletableFuture<>();
    downstream.answerWith(t -> downstreamDone);
    CompletableFuture<Void> late = processor.consume(batch(span(1, 900, 1).build()));
    assertThat(downstream.spanCount()).isEqualTo(2);
    assertThat(late).as("waits for downstream").isNotDone();
    downstreamDone.complete(null);
    assertThat(late).isCompleted();

    downstream.answerWith(t -> CompletableFuture.failedFuture(PipelineException.overCapacity("storage is full")));
    CompletableFuture<Void> refused = processor.consume(batch(span(1, 950, 1).build()));
    Throwable failure = catchThrowable(refused::join);
    assertThat(PipelineException.classify(failure).kind()).isEqualTo(PipelineException.Kind.OVER_CAPACITY);
    assertThat(PipelineException.classify(failure)).hasMessage("storage is full");
  }

  @Test
  void lateSpansOfATraceNotSampledAreDroppedEvenIfTheyWouldHaveChangedTheDecision() {
    create(ERRORS);
    processor.consume(batch(span(1)));
    clock.advance(WAIT);
    processor.tick();
    assertThat(processor.consume(batch(error(1)))).isCompleted();
    clock.advance(WAIT);
    assertThat(processor.tick()).isZero();
    assertThat(downstream.batches()).isEmpty();
  }

  @Test
  void theDecisionCacheKeepsDecisionsAfterTheTraceLeavesMemory() {
    create(String.join("\n", "num_traces: 2",
        "decision_cache: {sampled_cache_size: 10, non_sampled_cache_size: 10}", ERRORS));
    processor.consume(batch(error(1)));
    processor.consume(batch(span(2)));
    clock.advance(WAIT);
    processor.tick();
    assertThat(downstream.traceIds()).containsExactly(traceId(1));
    assertThat(processor.tracesInMemory()).as("decisions live in the caches").isZero();

    processor.consume(batch(span(5)));
    processor.consume(batch(span(6)));
    processor.consume(batch(span(1, 700, 1).build()));
    processor.consume(batch(error(2)));
    assertThat(downstream.spanCount()).as("trace 1's late span follows its cached decision").isEqualTo(2);
    clock.advance(WAIT);
    processor.tick();
    assertThat(downstream.traceIds()).as("trace 2's error came too late").containsExactly(traceId(1));
    assertThat(TestData.counters(telemetry))
        .containsEntry("otelcol_processor_tail_sampling_early_releases_from_cache_decision{sampled=true}", 1L)
        .containsEntry("otelcol_processor_tail_sampling_early_releases_from_cache_decision{sampled=false}", 1L)
        .doesNotContainKey("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early"
            + "{processor=tail_sampling}");
  }

  @Test
  void withoutACacheADecisionIsForgottenWhenItsTraceIsEvicted() {
    create("num_traces: 1\n" + ERRORS);
    processor.consume(batch(span(1)));
    clock.advance(WAIT);
    processor.tick();
    processor.consume(batch(span(2)));
    assertThat(counter(telemetry, "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early"
        + "{processor=tail_sampling}")).as("evicting a decided trace loses nothing").isZero();

    processor.consume(batch(error(1)));
    clock.advance(WAIT);
    processor.tick();
    assertThat(downstream.traceIds()).as("trace 1 was seen anew and decided again").containsExactly(traceId(1));
  }

  @Test
  void whenFullTheOldestTraceIsEvictedAndCounted() {
    create("num_traces: 2\npolicies: [{name: all, type: always_sample}]");
    processor.consume(batch(span(1)));
    processor.consume(batch(span(2)));
    processor.consume(batch(span(3), span(4)));
    assertThat(processor.tracesInMemory()).isEqualTo(2);
    assertThat(counter(telemetry, "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early"
        + "{processor=tail_sampling}")).isEqualTo(2);
    assertThat(telemetry.gauges()).containsEntry(new Telemetry.Key(
        "otelcol_processor_tail_sampling_sampling_traces_on_memory", "processor", "tail_sampling"), 2L);

    clock.advance(WAIT);
    assertThat(processor.tick()).isEqualTo(2);
    assertThat(downstream.traceIds()).containsExactly(traceId(3), traceId(4));
  }

  @Test
  void shutdownDecidesAndFlushesEverythingPendingAtOnce() {
    create(ERRORS);
    processor.consume(batch(error(1), span(2)));
    processor.shutdown();
    assertThat(downstream.traceIds()).containsExactly(traceId(1));

    Throwable refused = catchThrowable(() -> processor.consume(batch(error(3))).join());
    assertThat(PipelineException.classify(refused).kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
    processor.shutdown();
    assertThat(downstream.batches()).hasSize(1);
    assertThat(telemetry.gauges()).isEmpty();
  }

  @Test
  void dropPendingTracesOnShutdownDropsInstead() {
    create("drop_pending_traces_on_shutdown: true\n" + ERRORS);
    processor.consume(batch(error(1)));
    processor.shutdown();
    assertThat(downstream.batches()).isEmpty();
  }

  @Test
  void shutdownWaitsForWhatIsInFlightDownstream() throws Exception {
    create("policies: [{name: all, type: always_sample}]");
    CompletableFuture<Void> slow = new CompletableFuture<>();
    downstream.answerWith(t -> slow);
    processor.consume(batch(span(1)));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> stopping = pool.submit(processor::shutdown);
      // Shutdown sends trace 1 and then waits for it; it cannot finish before the answer.
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (downstream.batches().isEmpty() && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      assertThat(downstream.batches()).hasSize(1);
      assertThat(stopping).isNotDone();
      slow.complete(null);
      stopping.get(10, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentProducersLoseNoSpans() throws Exception {
    create("policies: [{name: all, type: always_sample}]");
    int threads = 4;
    int batchesPerThread = 300;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < batchesPerThread; i++) {
            long trace = i % 50;
            processor.consume(Traces.of(batch(span(trace, thread * 10_000L + i, 1).build(),
                span(trace + 1000, thread * 10_000L + i, 1).build()).resourceSpans())).join();
            if (thread == 0 && i % 100 == 99) {
              clock.advance(Duration.ofSeconds(10));
              processor.tick();
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    processor.shutdown();
    assertThat(downstream.spanCount()).isEqualTo(threads * batchesPerThread * 2);
  }
}
