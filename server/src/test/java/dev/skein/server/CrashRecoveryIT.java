package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@code skein.jar} as a separate process, streams spans into it from several threads, each
 * with its own OpenTelemetry Java SDK {@link OtlpGrpcSpanExporter}, kills it with SIGKILL at a
 * random moment once acknowledgements are flowing, restarts it on the same data directory, and
 * repeats {@value #KILLS} times. Then it reads every trace it tried to send back through the
 * Jaeger query API ({@code /api/traces/{id}}) and checks Skein's durability contract: every span
 * whose export was acknowledged is stored, and no span is stored twice (writes are idempotent).
 * Spans whose export failed or was in flight at the kill may be stored or not; they are counted.
 *
 * <p>The kill delays come from a seeded {@link Random}; the seed is printed and a run is repeated
 * with {@code -Dskein.crash.seed=<seed>}. The summary is one line on stdout starting with
 * {@code CrashRecoveryIT:}.
 */
class CrashRecoveryIT {
  static final int KILLS = 20;
  static final int SENDERS = 4;
  /** Spans per export call: one trace of a root and its children, so one query reads a batch back. */
  static final int SPANS_PER_BATCH = 25;
  /** The longest wait, once {@value #SENDERS} exports are acknowledged, before the kill. */
  static final int MAX_KILL_DELAY_MS = 1500;

  @TempDir
  Path data;

  @Test
  void acknowledgedSpansSurviveRepeatedKillDashNine() throws Exception {
    long seed = Long.getLong("skein.crash.seed", System.nanoTime());
    System.out.println("CrashRecoveryIT: seed " + seed + " (repeat with -Dskein.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    ConcurrentLinkedQueue<Batch> batches = new ConcurrentLinkedQueue<>();
    for (int kill = 0; kill < KILLS; kill++) {
      SkeinProcess p = SkeinProcess.start(data, "crash-recovery-it.log");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ackedThisRound = new AtomicInteger();
      List<Thread> senders = new ArrayList<>();
      List<OtlpGrpcSpanExporter> exporters = new ArrayList<>();
      for (int i = 0; i < SENDERS; i++) {
        // No retries: an export is acknowledged by this server process or it is not.
        OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + p.grpcPort).setTimeout(Duration.ofSeconds(10))
            .setRetryPolicy(null).build();
        exporters.add(exporter);
        Thread sender = new Thread(() -> {
          while (!stop.get()) {
            Batch b = new Batch(makeTrace(SPANS_PER_BATCH));
            batches.add(b);
            CompletableResultCode r = exporter.export(b.spans).join(30, TimeUnit.SECONDS);
            if (r.isSuccess()) {
              b.acked = true;
              ackedThisRound.incrementAndGet();
            } else {
              return;
            }
          }
        }, "crash-sender-" + i);
        senders.add(sender);
        sender.start();
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ackedThisRound.get() < SENDERS && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(ackedThisRound.get()).as("acknowledged exports before kill %d", kill + 1)
          .isGreaterThanOrEqualTo(SENDERS);
      Thread.sleep(random.nextInt(MAX_KILL_DELAY_MS));
      p.kill();
      stop.set(true);
      for (Thread sender : senders) {
        sender.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(sender.isAlive()).as("%s ended after the kill", sender.getName()).isFalse();
      }
      for (OtlpGrpcSpanExporter exporter : exporters) {
        exporter.shutdown().join(10, TimeUnit.SECONDS);
      }
    }

    Tally t = new Tally();
    SkeinProcess p = SkeinProcess.start(data, "crash-recovery-it.log");
    try {
      for (Batch b : batches) {
        String traceId = b.spans.get(0).getTraceId();
        HttpResponse<String> r = TestServer.HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + p.queryPort + "/api/traces/" + traceId)).build(),
            HttpResponse.BodyHandlers.ofString());
        Map<String, Integer> stored = new HashMap<>();
        if (r.statusCode() == 200) {
          for (JsonNode trace : TestServer.JSON.readTree(r.body()).path("data")) {
            for (JsonNode span : trace.path("spans")) {
              stored.merge(span.path("spanID").asText(), 1, Integer::sum);
            }
          }
        } else {
          assertThat(r.statusCode()).as("GET /api/traces/%s: %s", traceId, r.body()).isEqualTo(404);
        }
        t.add(b, stored);
      }
    } finally {
      p.kill();
    }
    System.out.println("CrashRecoveryIT: " + t.summary(KILLS));
    assertThat(t.ackedSpans).as("acknowledged spans").isGreaterThanOrEqualTo((long) KILLS * SENDERS * SPANS_PER_BATCH);
    assertThat(t.firstMissing).as("acknowledged spans missing after %d kills (seed %d)", KILLS, seed).isEmpty();
    assertThat(t.firstDuplicate).as("spans the query API returned more than once (seed %d)", seed).isEmpty();
  }

  /** One export call: the spans of one trace, and whether the server acknowledged them. */
  static final class Batch {
    final List<SpanData> spans;
    volatile boolean acked;

    Batch(List<SpanData> spans) {
      this.spans = spans;
    }
  }

  /** What the read-back found, over all batches. */
  static final class Tally {
    long ackedSpans;
    long unackedSpans;
    long missing;
    long duplicates;
    long unackedStored;
    String firstMissing = "";
    String firstDuplicate = "";

    void add(Batch b, Map<String, Integer> stored) {
      String traceId = b.spans.get(0).getTraceId();
      for (SpanData s : b.spans) {
        int n = stored.getOrDefault(s.getSpanId(), 0);
        if (n > 1) {
          duplicates += n - 1;
          if (firstDuplicate.isEmpty()) {
            firstDuplicate = "span " + s.getSpanId() + " of trace " + traceId + " returned " + n + " times";
          }
        }
        if (b.acked) {
          ackedSpans++;
          if (n == 0) {
            missing++;
            if (firstMissing.isEmpty()) {
              firstMissing = "span " + s.getSpanId() + " of trace " + traceId;
            }
          }
        } else {
          unackedSpans++;
          if (n > 0) {
            unackedStored++;
          }
        }
      }
    }

    String summary(int kills) {
      return String.format("%d kills, %d spans acknowledged, %d missing, %d duplicates, "
          + "%d of %d unacknowledged spans stored anyway", kills, ackedSpans, missing, duplicates, unackedStored,
          unackedSpans);
    }
  }

  private static final Resource RESOURCE = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"),
      "crash-test"));
  private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("crash-test");

  /** A trace of a root span and {@code spans - 1} children, with fresh random IDs. */
  static List<SpanData> makeTrace(int spans) {
    IdGenerator ids = IdGenerator.random();
    String traceId = ids.generateTraceId();
    long now = System.currentTimeMillis() * 1_000_000L;
    SpanContext root = SpanContext.create(traceId, ids.generateSpanId(), TraceFlags.getSampled(),
        TraceState.getDefault());
    List<SpanData> out = new ArrayList<>(spans);
    for (int i = 0; i < spans; i++) {
      SpanContext ctx = i == 0 ? root
          : SpanContext.create(traceId, ids.generateSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
      out.add(TestSpanData.builder()
          .setSpanContext(ctx)
          .setParentSpanContext(i == 0 ? SpanContext.getInvalid() : root)
          .setResource(RESOURCE)
          .setInstrumentationScopeInfo(SCOPE)
          .setName(i == 0 ? "request" : "child-" + i)
          .setKind(i == 0 ? SpanKind.SERVER : SpanKind.INTERNAL)
          .setStartEpochNanos(now)
          .setEndEpochNanos(now + 1_000_000L)
          .setHasEnded(true)
          .setStatus(StatusData.unset())
          .setTotalRecordedEvents(0)
          .setTotalRecordedLinks(0)
          .build());
    }
    return out;
  }
}
