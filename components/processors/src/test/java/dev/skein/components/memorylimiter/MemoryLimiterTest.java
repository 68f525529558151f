package dev.skein.components.memorylimiter;

import static dev.skein.components.processortest.Fixtures.errors;
import static dev.skein.components.processortest.Fixtures.settings;
import static dev.skein.components.processortest.Fixtures.span;
import static dev.skein.components.processortest.Fixtures.traces;
import static dev.skein.components.processortest.Fixtures.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.processortest.Fixtures.Sink;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MemoryLimiterTest {
  static final MemoryLimiterFactory FACTORY = new MemoryLimiterFactory();
  static final long MIB = 1024 * 1024;

  final Telemetry telemetry = new Telemetry();
  final Sink sink = new Sink();
  /** Stands in for the JVM's memory, so the tests never depend on the real heap. */
  final AtomicLong memory = new AtomicLong();
  /** What a requested collection brings memory down to; by default it frees nothing. */
  final AtomicLong afterGc = new AtomicLong(-1);
  final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  final AtomicInteger gcs = new AtomicInteger();

  MemoryLimiter limiter(String yaml) {
    return new MemoryLimiter(settings("memory_limiter", telemetry), valid(FACTORY, yaml), sink, memory::get,
        1000 * MIB, clock::get, () -> {
          gcs.incrementAndGet();
          if (afterGc.get() >= 0) {
            memory.set(afterGc.get());
          }
        });
  }

  static Stream<Arguments> limits() {
    return Stream.of(
        Arguments.of("check_interval: 1s\nlimit_mib: 4000\nspike_limit_mib: 800", 4000 * MIB, 3200 * MIB),
        Arguments.of("check_interval: 1s\nlimit_mib: 4000", 4000 * MIB, 3200 * MIB),
        Arguments.of("check_interval: 1s\nlimit_percentage: 80\nspike_limit_percentage: 15", 800 * MIB, 650 * MIB),
        Arguments.of("check_interval: 1s\nlimit_percentage: 50", 500 * MIB, 400 * MIB));
  }

  @ParameterizedTest
  @MethodSource("limits")
  void limitsFollowTheCollectorsReadme(String yaml, long hard, long soft) {
    MemoryLimiter l = limiter(yaml);
    assertThat(l.hardLimit()).isEqualTo(hard);
    assertThat(l.softLimit()).isEqualTo(soft);
  }

  /** One measurement: memory before it, what a GC frees to (-1: nothing), seconds since the previous one. */
  record Step(long mib, long afterGcMib, long secondsLater, boolean refusing, int totalGcs) {}

  static Stream<Arguments> scenarios() {
    String cfg = "check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 20\n";
    return Stream.of(
        Arguments.of("below the soft limit data flows and nothing is collected", cfg, List.of(
            new Step(50, -1, 1, false, 0), new Step(79, -1, 1, false, 0))),
        Arguments.of("at the soft limit a collection is forced, and data is refused if it frees too little", cfg,
            List.of(new Step(80, -1, 1, true, 1), new Step(85, -1, 1, true, 1))),
        Arguments.of("a collection that frees enough keeps data flowing", cfg, List.of(
            new Step(90, 60, 1, false, 1))),
        Arguments.of("soft-limit collections wait min_gc_interval_when_soft_limited (10s)", cfg, List.of(
            new Step(85, -1, 1, true, 1), new Step(85, -1, 5, true, 1), new Step(85, -1, 6, true, 2))),
        Arguments.of("at the hard limit a collection is forced at every check", cfg, List.of(
            new Step(100, -1, 1, true, 1), new Step(120, -1, 1, true, 2), new Step(120, -1, 1, true, 3))),
        Arguments.of("min_gc_interval_when_hard_limited spaces hard-limit collections",
            cfg + "min_gc_interval_when_hard_limited: 3s", List.of(
                new Step(120, -1, 1, true, 1), new Step(120, -1, 1, true, 1), new Step(120, -1, 3, true, 2))),
        Arguments.of("dropping below the soft limit resumes normal operation", cfg, List.of(
            new Step(95, -1, 1, true, 1), new Step(70, -1, 1, false, 1))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void theStateMachineRefusesAndCollectsAsTheCollectorDoes(String name, String yaml, List<Step> steps) {
    MemoryLimiter l = limiter(yaml);
    for (Step s : steps) {
      clock.addAndGet(TimeUnit.SECONDS.toNanos(s.secondsLater()));
      memory.set(s.mib() * MIB);
      afterGc.set(s.afterGcMib() < 0 ? -1 : s.afterGcMib() * MIB);
      l.check();
      assertThat(l.isRefusing()).as("refusing after %s", s).isEqualTo(s.refusing());
      assertThat(gcs.get()).as("collections after %s", s).isEqualTo(s.totalGcs());
    }
  }

  @Test
  void refusedBatchesFailAsOverCapacityAndAreCounted() {
    MemoryLimiter l = limiter("check_interval: 1s\nlimit_mib: 100");
    memory.set(90 * MIB);
    l.check();
    CompletableFuture<Void> f = l.consume(traces(span("a"), span("b"), span("c")));
    assertThat(f).isCompletedExceptionally();
    PipelineException e = PipelineException.classify(f.handle((v, t) -> t).join());
    assertThat(e.kind()).isEqualTo(PipelineException.Kind.OVER_CAPACITY);
    assertThat(e.isRetryable()).isTrue();
    assertThat(e).hasMessage("data refused due to high memory usage");
    assertThat(sink.batches()).isEmpty();
    assertThat(telemetry.counters()).containsEntry(
        new Telemetry.Key("otelcol_processor_refused_spans", "processor", "memory_limiter"), 3L);

    memory.set(10 * MIB);
    l.check();
    assertThat(l.consume(traces(span("d")))).isCompleted();
    assertThat(sink.only().spanCount()).isEqualTo(1);
  }

  @Test
  void theDaemonSchedulerMeasuresEveryCheckInterval() throws Exception {
    MemoryLimiter l = limiter("check_interval: 10ms\nlimit_mib: 100");
    l.start(Map::of);
    l.start(Map::of);
    try {
      memory.set(95 * MIB);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!l.isRefusing() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(l.isRefusing()).isTrue();
    } finally {
      l.shutdown();
      l.shutdown();
    }
  }

  @Test
  void shutdownWithoutStartIsSafeAndNothingIsRefusedBeforeStart() {
    MemoryLimiter l = limiter("check_interval: 1s\nlimit_mib: 100");
    memory.set(500 * MIB);
    assertThat(l.consume(traces(span("a")))).isCompleted();
    l.shutdown();
  }

  @Test
  void theJvmReadingIsTheMemoryInUse() {
    assertThat(MemoryLimiter.jvmMemoryInUse()).isPositive().isLessThanOrEqualTo(
        Runtime.getRuntime().totalMemory() + 1024 * MIB);
  }

  @Test
  void theJvmReadingCountsDataHeldThroughACollection() {
    System.gc();
    long before = MemoryLimiter.jvmMemoryInUse();
    byte[][] held = new byte[64][];
    for (int i = 0; i < held.length; i++) {
      held[i] = new byte[(int) MIB];
    }
    // Whatever the collector, data that lives through a collection is outside eden and counted.
    System.gc();
    assertThat(MemoryLimiter.jvmMemoryInUse()).as("after holding 64 MiB through a collection")
        .isGreaterThanOrEqualTo(before + 48 * MIB);
    assertThat(held.length).isEqualTo(64);
  }

  static Stream<Arguments> invalid() {
    String p = "processors::memory_limiter::";
    return Stream.of(
        Arguments.of("limit_mib: 4000", List.of(p + "check_interval: 0s (expected: > 0, e.g. 1s)")),
        Arguments.of("check_interval: 1s",
            List.of(p + "limit_mib: 0 (expected: limit_mib or limit_percentage greater than 0)")),
        Arguments.of("check_interval: 1s\nlimit_mib: 4000\nspike_limit_mib: 4000",
            List.of(p + "spike_limit_mib: 4000 (expected: < limit_mib, 4000)")),
        Arguments.of("check_interval: 1s\nlimit_percentage: 101",
            List.of(p + "limit_percentage: 101 (expected: 0 to 100)")),
        Arguments.of("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 60",
            List.of(p + "spike_limit_percentage: 60 (expected: < limit_percentage, 50)")),
        Arguments.of("check_interval: 1s\nlimit_mib: 4000\nlimit_percentage: 80",
            List.of(p + "limit_percentage: 80 (expected: unset when limit_mib is set; give the limit in exactly"
                + " one form)")),
        Arguments.of("check_interval: 1s\nlimit_percentage: 80\nspike_limit_mib: 100",
            List.of(p + "spike_limit_mib: 100 (expected: spike_limit_percentage, since the limit is given as"
                + " limit_percentage)")),
        Arguments.of("check_interval: 1s\nlimit_mib: 400\nmin_gc_interval_when_soft_limited: 1s\n"
            + "min_gc_interval_when_hard_limited: 5s",
            List.of(p + "min_gc_interval_when_soft_limited: 1s (expected: >= min_gc_interval_when_hard_limited, 5s)")),
        Arguments.of("check_interval: 1s\nlimit_mib: -5",
            List.of(p + "limit_mib: -5 (expected: 0 to 4294967295)")),
        Arguments.of("check_interval: 1s\nlimit_mb: 5", List.of(p + "limit_mb: unknown key (did you mean"
            + " \"limit_mib\"?); valid keys: check_interval, limit_mib, limit_percentage,"
            + " min_gc_interval_when_hard_limited, min_gc_interval_when_soft_limited, spike_limit_mib,"
            + " spike_limit_percentage")));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void configurationErrorsNameTheirKey(String yaml, List<String> expected) {
    assertThat(errors(FACTORY, yaml)).containsExactlyElementsOf(expected);
  }
}
