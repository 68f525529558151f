package dev.skein.exporterhelper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.skein.components.exporters.testing.Components;
import dev.skein.components.exporters.testing.TestSpans;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExporterHelperTest {
  private static final String ID = "otlp/backup";
  private static final long SECOND = 1_000_000_000L;

  private final Telemetry telemetry = new Telemetry();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final TestSpans spans = new TestSpans(7);
  private final ScriptedSender sender = new ScriptedSender();

  private TracesExporter exporter(QueueConfig queue, RetryConfig retry, double random) throws Exception {
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), queue, retry,
        sender, scheduler, () -> random, Duration.ofSeconds(5));
    e.start(Components.host());
    return e;
  }

  private static QueueConfig noQueue() {
    QueueConfig q = new QueueConfig();
    q.enabled = false;
    return q;
  }

  private static QueueConfig queue(int consumers, int size) {
    QueueConfig q = new QueueConfig();
    q.numConsumers = consumers;
    q.queueSize = size;
    return q;
  }

  private long metric(String name) {
    return Components.metric(telemetry, name, ID);
  }

  @Test
  void retriesWithExponentialBackoffUntilTheSendSucceeds() throws Exception {
    sender.then(3, ScriptedSender.unavailable());
    TracesExporter e = exporter(noQueue(), new RetryConfig(), 0.5);
    Traces batch = spans.batch("checkout", 4);

    CompletableFuture<Void> done = e.consume(batch);
    for (int i = 0; i < 3; i++) {
      assertThat(done).isNotDone();
      assertThat(scheduler.runNextTimer()).isTrue();
    }

    assertThat(done).isCompleted();
    assertThat(sender.attempts()).hasSize(4).allMatch(batch::equals);
    // With the randomization in the middle of its range, the delays are the intervals themselves.
    assertThat(scheduler.delays()).hasSize(3);
    assertThat(scheduler.delays().get(0)).isCloseTo(5 * SECOND, within(1_000_000L));
    assertThat(scheduler.delays().get(1)).isCloseTo(7_500_000_000L, within(1_000_000L));
    assertThat(scheduler.delays().get(2)).isCloseTo(11_250_000_000L, within(1_000_000L));
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(4);
    assertThat(metric("otelcol_exporter_send_failed_spans")).isZero();
  }

  @Test
  void randomizesEachDelayWithinTheFactor() throws Exception {
    sender.then(ScriptedSender.unavailable());
    exporter(noQueue(), new RetryConfig(), 0.0).consume(spans.batch("a", 1));
    assertThat(scheduler.delays().get(0)).isCloseTo(2_500_000_000L, within(1_000_000L));

    ManualScheduler other = new ManualScheduler();
    ScriptedSender failing = new ScriptedSender().then(ScriptedSender.unavailable());
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), noQueue(),
        new RetryConfig(), failing, other, () -> 0.999_999, Duration.ofSeconds(5));
    e.start(Components.host());
    e.consume(spans.batch("a", 1));
    assertThat(other.delays().get(0)).isCloseTo(7_500_000_000L, within(10_000_000L));
  }

  @Test
  void delaysGrowNoLongerThanMaxInterval() throws Exception {
    RetryConfig retry = new RetryConfig();
    retry.maxElapsedTime = Duration.ZERO;
    sender.then(8, ScriptedSender.unavailable());
    CompletableFuture<Void> done = exporter(noQueue(), retry, 0.5).consume(spans.batch("a", 2));
    while (!done.isDone()) {
      assertThat(scheduler.runNextTimer()).isTrue();
    }
    List<Long> delays = scheduler.delays();
    assertThat(delays).hasSize(8);
    assertThat(delays.subList(5, 8)).allSatisfy(d -> assertThat(d).isCloseTo(30 * SECOND, within(1_000_000L)));
    assertThat(done).isCompleted();
  }

  @Test
  void givesUpWhenTheNextAttemptWouldStartAfterMaxElapsedTime() throws Exception {
    RetryConfig retry = new RetryConfig();
    retry.maxElapsedTime = Duration.ofSeconds(20);
    sender.otherwise(ScriptedSender.unavailable());
    CompletableFuture<Void> done = exporter(noQueue(), retry, 0.5).consume(spans.batch("a", 3));
    while (scheduler.runNextTimer()) {
      // 5 s, then 7.5 s; a third wait of 11.25 s would end after 23.75 s.
    }

    assertThat(sender.attempts()).hasSize(3);
    assertThatThrownBy(done::join).hasCauseInstanceOf(PipelineException.class)
        .cause().satisfies(c -> assertThat(((PipelineException) c).kind()).isEqualTo(PipelineException.Kind.RETRYABLE));
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(3);
    assertThat(metric("otelcol_exporter_sent_spans")).isZero();
  }

  @Test
  void waitsAtLeastAsLongAsTheDestinationAsks() throws Exception {
    sender.then(new PipelineException(PipelineException.Kind.OVER_CAPACITY, "RESOURCE_EXHAUSTED", Duration.ofSeconds(42), null))
        .then(new PipelineException(PipelineException.Kind.RETRYABLE, "UNAVAILABLE", Duration.ofSeconds(1), null));
    CompletableFuture<Void> done = exporter(noQueue(), new RetryConfig(), 0.5).consume(spans.batch("a", 1));
    scheduler.runNextTimer();
    scheduler.runNextTimer();

    assertThat(done).isCompleted();
    assertThat(scheduler.delays().get(0)).isEqualTo(42 * SECOND);
    // A shorter delay than the backoff's does not shorten it.
    assertThat(scheduler.delays().get(1)).isCloseTo(7_500_000_000L, within(1_000_000L));
  }

  @Test
  void doesNotRetryPermanentFailuresAndDropsThemFromTheQueue() throws Exception {
    sender.then(PipelineException.permanent("INVALID_ARGUMENT: bad span", null));
    TracesExporter e = exporter(queue(2, 10), new RetryConfig(), 0.5);

    CompletableFuture<Void> done = e.consume(spans.batch("a", 5));

    assertThat(done).isCompleted();
    assertThat(sender.attempts()).hasSize(1);
    assertThat(scheduler.pendingTimers()).isZero();
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(5);
    assertThat(metric("otelcol_exporter_sent_spans")).isZero();
    assertThat(metric("otelcol_exporter_queue_size")).isZero();
  }

  @Test
  void withoutAQueueAPermanentFailureReachesTheCaller() throws Exception {
    sender.then(PipelineException.permanent("INVALID_ARGUMENT: bad span", null));
    CompletableFuture<Void> done = exporter(noQueue(), new RetryConfig(), 0.5).consume(spans.batch("a", 5));

    assertThatThrownBy(done::join).cause().isInstanceOf(PipelineException.class)
        .hasMessageContaining("bad span");
    assertThat(sender.attempts()).hasSize(1);
  }

  @Test
  void withRetriesDisabledTriesOnce() throws Exception {
    RetryConfig retry = new RetryConfig();
    retry.enabled = false;
    sender.then(ScriptedSender.unavailable());
    CompletableFuture<Void> done = exporter(noQueue(), retry, 0.5).consume(spans.batch("a", 2));

    assertThat(done).isCompletedExceptionally();
    assertThat(sender.attempts()).hasSize(1);
    assertThat(scheduler.pendingTimers()).isZero();
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(2);
  }

  @Test
  void aQueuedBatchIsAcknowledgedBeforeItIsSent() throws Exception {
    sender.then(ScriptedSender.HOLD);
    TracesExporter e = exporter(queue(1, 10), new RetryConfig(), 0.5);

    CompletableFuture<Void> done = e.consume(spans.batch("a", 2));

    assertThat(done).isCompleted();
    assertThat(sender.delivered()).isEmpty();
    sender.nextHeld().complete(0L);
    assertThat(sender.delivered()).hasSize(1);
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(2);
  }

  @Test
  void aFullQueueRefusesBatchesAsOverCapacity() throws Exception {
    sender.otherwise(ScriptedSender.HOLD);
    TracesExporter e = exporter(queue(1, 2), new RetryConfig(), 0.5);
    List<Traces> batches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batches.add(spans.batch("svc", 3));
    }

    // One batch is being sent, two wait in the queue, the fourth finds it full.
    assertThat(e.consume(batches.get(0))).isCompleted();
    assertThat(e.consume(batches.get(1))).isCompleted();
    assertThat(e.consume(batches.get(2))).isCompleted();
    CompletableFuture<Void> refused = e.consume(batches.get(3));

    assertThatThrownBy(refused::join).cause().isInstanceOfSatisfying(PipelineException.class,
        p -> assertThat(p.kind()).isEqualTo(PipelineException.Kind.OVER_CAPACITY))
        .hasMessageContaining("queue_size");
    assertThat(metric("otelcol_exporter_enqueue_failed_spans")).isEqualTo(3);
    assertThat(metric("otelcol_exporter_queue_size")).isEqualTo(2);
    assertThat(metric("otelcol_exporter_queue_capacity")).isEqualTo(2);

    for (int i = 0; i < 3; i++) {
      sender.nextHeld().complete(0L);
    }
    assertThat(sender.delivered()).containsExactly(batches.get(0), batches.get(1), batches.get(2));
    assertThat(metric("otelcol_exporter_queue_size")).isZero();
    assertThat(e.consume(batches.get(3))).isCompleted();
  }

  @Test
  void numConsumersBatchesAreSentAtATime() throws Exception {
    sender.otherwise(ScriptedSender.HOLD);
    TracesExporter e = exporter(queue(3, 100), new RetryConfig(), 0.5);
    for (int i = 0; i < 5; i++) {
      e.consume(spans.batch("svc", 1));
    }

    assertThat(sender.attempts()).hasSize(3);
    assertThat(metric("otelcol_exporter_queue_size")).isEqualTo(2);
    sender.nextHeld().complete(0L);
    assertThat(sender.attempts()).hasSize(4);
  }

  @Test
  void spansRejectedInAPartialSuccessAreCountedAsFailedNotSent() throws Exception {
    sender.then(2L);
    exporter(noQueue(), new RetryConfig(), 0.5).consume(spans.batch("a", 5)).get(10, TimeUnit.SECONDS);

    assertThat(sender.attempts()).hasSize(1);
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(3);
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(2);
  }

  @Test
  void shutdownSendsWhatIsQueued() throws Exception {
    sender.otherwise(ScriptedSender.HOLD);
    TracesExporter e = exporter(queue(1, 10), new RetryConfig(), 0.5);
    List<Traces> batches = List.of(spans.batch("a", 1), spans.batch("b", 1), spans.batch("c", 1));
    batches.forEach(e::consume);

    Thread stopping = new Thread(e::shutdown);
    stopping.start();
    for (int i = 0; i < 3; i++) {
      sender.nextHeld().complete(0L);
    }
    stopping.join(30_000);

    assertThat(stopping.isAlive()).isFalse();
    assertThat(sender.delivered()).containsExactlyElementsOf(batches);
    assertThat(sender.shutDown()).isTrue();
    assertThat(e.consume(spans.batch("d", 1))).isCompletedExceptionally();
  }

  @Test
  void shutdownGivesABatchWaitingToRetryOneLastAttempt() throws Exception {
    sender.then(ScriptedSender.unavailable());
    TracesExporter e = exporter(queue(1, 10), new RetryConfig(), 0.5);
    Traces batch = spans.batch("a", 2);
    e.consume(batch);
    assertThat(scheduler.pendingTimers()).isEqualTo(1);

    e.shutdown();

    assertThat(sender.delivered()).containsExactly(batch);
    assertThat(metric("otelcol_exporter_sent_spans")).isEqualTo(2);
  }

  @Test
  void shutdownDropsWhatCannotBeSentInTime() throws Exception {
    sender.otherwise(ScriptedSender.HOLD);
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), queue(1, 10),
        new RetryConfig(), sender, scheduler, () -> 0.5, Duration.ofMillis(50));
    e.start(Components.host());
    e.consume(spans.batch("a", 1));
    e.consume(spans.batch("b", 2));
    e.consume(spans.batch("c", 3));

    e.shutdown();

    // The first is still being sent; the two behind it are dropped.
    assertThat(metric("otelcol_exporter_send_failed_spans")).isEqualTo(5);
    assertThat(metric("otelcol_exporter_queue_size")).isZero();
    assertThat(metric("otelcol_exporter_queue_capacity")).isZero();
  }

  @Test
  void startAndShutdownAreIdempotentAndShutdownIsSafeWithoutStart() throws Exception {
    TracesExporter never = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), new QueueConfig(),
        new RetryConfig(), sender, scheduler, () -> 0.5, Duration.ofSeconds(1));
    never.shutdown();
    never.shutdown();
    assertThat(sender.started()).isFalse();

    TracesExporter e = exporter(new QueueConfig(), new RetryConfig(), 0.5);
    e.start(Components.host());
    assertThat(metric("otelcol_exporter_queue_capacity")).isEqualTo(1000);
    e.shutdown();
    e.shutdown();
    assertThat(sender.shutDown()).isTrue();
  }

  @Test
  void refusesBatchesBeforeStartAsRetryable() {
    TracesExporter e = ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), new QueueConfig(),
        new RetryConfig(), sender, scheduler, () -> 0.5, Duration.ofSeconds(1));
    assertThatThrownBy(() -> e.consume(spans.batch("a", 1)).join()).cause()
        .isInstanceOfSatisfying(PipelineException.class, p -> assertThat(p.isRetryable()).isTrue())
        .hasMessageContaining("not started");
  }

  @Test
  void rejectsInvalidSettingsNamingTheKey() {
    QueueConfig q = queue(0, 10);
    RetryConfig r = new RetryConfig();
    r.multiplier = 0.5;
    assertThatThrownBy(() -> ExporterHelper.create(new CreateSettings(ComponentId.parse(ID), telemetry), q, r, sender))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sending_queue::num_consumers: 0 (expected: > 0)")
        .hasMessageContaining("retry_on_failure::multiplier: 0.5 (expected: >= 1)");
  }
}
