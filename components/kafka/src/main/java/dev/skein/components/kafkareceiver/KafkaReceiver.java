package dev.skein.components.kafkareceiver;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.model.Ids;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads traces from Kafka as a member of a consumer group and hands each message's spans to the
 * pipeline.
 *
 * <p>Delivery is at least once. With {@code message_marking::after} (Skein's default) a message's
 * offset is committed only once the pipeline completed its spans, which for a storage exporter
 * means they are durable. A process killed mid-batch therefore leaves its uncommitted messages to
 * the member that takes over its partitions, which reads them again; storage writes are
 * idempotent, so the duplicates are harmless. A message that fails with a retryable error is tried
 * again with {@code error_backoff} until it is stored (or, with {@code message_marking::on_error},
 * until {@code max_elapsed_time}, when it is skipped); one that can never be stored (it does not
 * decode, or the pipeline fails it permanently) is skipped with an error log, unless
 * {@code on_permanent_error} is false, which keeps its partition waiting.
 *
 * <p>While the pipeline works on a poll's messages the consumer keeps polling with its partitions
 * paused, so that a slow store never makes it leave the group. Spans with invalid IDs are dropped
 * and counted as refused, as the OTLP receiver does.
 *
 * <p>Metrics, labelled {@code receiver="<id>"}: {@code otelcol_receiver_accepted_spans} and
 * {@code otelcol_receiver_refused_spans}.
 */
final class KafkaReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(KafkaReceiver.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration KEEP_ALIVE = Duration.ofMillis(50);
  /** How long shutdown waits for the spans in flight before leaving them to be read again. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
  /** The pause between tries when error_backoff is disabled, so a failing store is not hammered. */
  private static final Duration UNBACKED_RETRY = Duration.ofSeconds(1);

  private final CreateSettings settings;
  private final KafkaReceiverConfig config;
  private final TracesConsumer next;
  private final Encoding encoding;
  private final String label;

  private Consumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;
  private volatile long stopDeadline = Long.MAX_VALUE;
  /** Set while a poll's messages are being processed; read by the rebalance listener on the same thread. */
  private boolean processing;

  private enum Outcome { PENDING, STORED, FAILED_RETRYABLE, FAILED_PERMANENT, SKIPPED }

  /** One message and what became of it. */
  private static final class Item {
    final ConsumerRecord<byte[], byte[]> record;
    Outcome outcome = Outcome.PENDING;
    CompletableFuture<Void> future;
    String error = "";
    int spans;

    Item(ConsumerRecord<byte[], byte[]> record) {
      this.record = record;
    }

    boolean done() {
      return outcome == Outcome.STORED || outcome == Outcome.SKIPPED;
    }
  }

  KafkaReceiver(CreateSettings settings, KafkaReceiverConfig config, TracesConsumer next) {
    this.settings = settings;
    this.config = config;
    this.next = next;
    this.encoding = config.encoding();
    this.label = settings.id().toString();
  }

  /** The consumer's properties for {@code config}. */
  static Map<String, Object> consumerProperties(KafkaReceiverConfig config) {
    Map<String, Object> p = config.clientProperties();
    p.put("group.id", config.groupId);
    if (!config.groupInstanceId.isEmpty()) {
      p.put("group.instance.id", config.groupInstanceId);
    }
    if (config.assignor() != null) {
      p.put("partition.assignment.strategy", config.assignor());
    }
    if (!config.rackId.isEmpty()) {
      p.put("client.rack", config.rackId);
    }
    // Offsets are committed by the receiver once the pipeline has the spans, never on a timer.
    p.put("enable.auto.commit", false);
    p.put("auto.offset.reset", config.initialOffset);
    p.put("session.timeout.ms", (int) config.sessionTimeout.toMillis());
    p.put("heartbeat.interval.ms", (int) config.heartbeatInterval.toMillis());
    p.put("fetch.min.bytes", config.minFetchSize);
    p.put("fetch.max.bytes", config.maxFetchSize);
    p.put("fetch.max.wait.ms", (int) config.maxFetchWait.toMillis());
    p.put("max.partition.fetch.bytes", config.maxPartitionFetchSize);
    return p;
  }

  @Override
  public synchronized void start(Host host) {
    if (thread != null) {
      return;
    }
    consumer = new KafkaConsumer<>(consumerProperties(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    running = true;
    thread = new Thread(this::run, "kafka-receiver-" + label);
    thread.setDaemon(true);
    thread.start();
    log.info("kafka receiver \"{}\" consuming {} from {} as group \"{}\"", label, config.topics(),
        String.join(",", config.brokers()), config.groupId);
  }

  private void run() {
    try {
      consumer.subscribe(config.topics(), new Listener());
      while (running) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(POLL);
        } catch (WakeupException e) {
          continue;
        }
        if (!records.isEmpty()) {
          process(records);
        }
      }
    } catch (RuntimeException e) {
      log.error("kafka receiver \"{}\" stopped consuming: {}", label, e.toString(), e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.warn("kafka receiver \"{}\": closing the consumer failed: {}", label, e.toString());
      }
    }
  }

  /** Handles one poll's messages until each is stored or skipped, or the receiver stops. */
  private void process(ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, List<Item>> byPartition = new LinkedHashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<Item> items = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
        items.add(new Item(r));
      }
      byPartition.put(tp, items);
    }
    processing = true;
    pause(consumer.assignment());
    try {
      if (!config.messageMarking.after) {
        // At most once, as the Collector does by default: marked as soon as read.
        commit(byPartition, true);
      }
      long firstTry = System.nanoTime();
      for (int attempt = 0; ; attempt++) {
        handle(byPartition);
        boolean elapsed = config.errorBackoff.enabled && !config.errorBackoff.maxElapsedTime.isZero()
            && System.nanoTime() - firstTry > config.errorBackoff.maxElapsedTime.toNanos();
        boolean noRetry = !config.errorBackoff.enabled || elapsed;
        int waiting = 0;
        for (List<Item> items : byPartition.values()) {
          for (Item it : items) {
            if (it.outcome == Outcome.FAILED_PERMANENT) {
              if (config.messageMarking.onPermanentError || !config.messageMarking.after) {
                skip(it, "it can never be stored");
              } else {
                waiting++;
              }
            } else if (it.outcome == Outcome.FAILED_RETRYABLE) {
              if ((config.messageMarking.onError && noRetry) || !config.messageMarking.after) {
                skip(it, "retrying was given up");
              } else {
                waiting++;
              }
            }
          }
        }
        if (config.messageMarking.after) {
          commit(byPartition, false);
        }
        if (waiting == 0 || !running) {
          if (waiting > 0) {
            rewind(byPartition);
          }
          return;
        }
        Duration pause = config.errorBackoff.enabled ? backoff(attempt) : UNBACKED_RETRY;
        log.warn("kafka receiver \"{}\": {} message(s) not stored yet ({}); trying again in {} ms", label,
            waiting, firstError(byPartition), pause.toMillis());
        keepAliveFor(pause);
        if (!running) {
          rewind(byPartition);
          return;
        }
      }
    } finally {
      processing = false;
      resume(consumer.assignment());
    }
  }

  /** Hands every message not yet handled to the pipeline and waits for all of them. */
  private void handle(Map<TopicPartition, List<Item>> byPartition) {
    List<Item> started = new ArrayList<>();
    for (List<Item> items : byPartition.values()) {
      for (Item it : items) {
        if (it.done() || it.outcome == Outcome.FAILED_PERMANENT) {
          continue;
        }
        Traces traces;
        try {
          traces = decode(it.record);
        } catch (IllegalArgumentException e) {
          it.outcome = Outcome.FAILED_PERMANENT;
          it.error = it.record.topic() + "-" + it.record.partition() + "@" + it.record.offset() + ": " + e.getMessage();
          continue;
        }
        if (traces.isEmpty()) {
          it.outcome = Outcome.STORED;
          continue;
        }
        it.spans = traces.spanCount();
        try {
          it.future = next.consume(traces);
        } catch (RuntimeException e) {
          it.future = CompletableFuture.failedFuture(e);
        }
        started.add(it);
      }
    }
    for (Item it : started) {
      while (!it.future.isDone()) {
        if (!running && System.nanoTime() > stopDeadline) {
          break;
        }
        keepAlive(KEEP_ALIVE);
      }
      if (!it.future.isDone()) {
        it.outcome = Outcome.FAILED_RETRYABLE;
        it.error = "the receiver stopped before the pipeline finished";
        continue;
      }
      try {
        it.future.join();
        it.outcome = Outcome.STORED;
        settings.telemetry().add("otelcol_receiver_accepted_spans", "receiver", label, it.spans);
      } catch (RuntimeException e) {
        PipelineException pe = PipelineException.classify(e);
        it.outcome = pe.isRetryable() ? Outcome.FAILED_RETRYABLE : Outcome.FAILED_PERMANENT;
        it.error = pe.getMessage();
      }
    }
  }

  /**
   * Decodes a message and drops the spans that OTLP calls invalid, counting them as refused. The
   * spans belong to the tenant in the message's {@code X-Scope-OrgID} header, if any.
   */
  private Traces decode(ConsumerRecord<byte[], byte[]> record) {
    Header tenantHeader = record.headers().lastHeader(dev.skein.model.Tenants.HEADER);
    String tenant = tenantHeader == null || tenantHeader.value() == null ? dev.skein.model.Tenants.NONE
        : new String(tenantHeader.value(), StandardCharsets.UTF_8);
    String problem = tenant.isEmpty() ? null : dev.skein.model.Tenants.problem(tenant);
    if (problem != null) {
      throw new IllegalArgumentException("header " + problem);
    }
    return decodeSpans(record).withTenant(tenant);
  }

  private Traces decodeSpans(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      throw new IllegalArgumentException("the message has no value");
    }
    Traces decoded = encoding.decode(record.value());
    Map<String, String> headers = config.headerExtraction.extractHeaders ? headers(record) : Map.of();
    int[] invalid = {0};
    Traces.Builder b = Traces.builder();
    Map<ResourceSpans, ResourceSpans> withHeaders = new HashMap<>();
    decoded.forEachSpan((rs, ss, span) -> {
      if (!Ids.isValidTraceId(span.getTraceId()) || !Ids.isValidSpanId(span.getSpanId())
          || !(span.getParentSpanId().isEmpty() || Ids.isValidSpanId(span.getParentSpanId()))) {
        invalid[0]++;
        return;
      }
      ResourceSpans header = headers.isEmpty() ? rs : withHeaders.computeIfAbsent(rs, r -> addHeaders(r, headers));
      b.add(header, ss, span);
    });
    if (invalid[0] > 0) {
      settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", label, invalid[0]);
      log.warn("kafka receiver \"{}\": dropped {} span(s) with an invalid trace, span or parent span ID from {}-{}@{}",
          label, invalid[0], record.topic(), record.partition(), record.offset());
      return b.build();
    }
    return headers.isEmpty() ? decoded : b.build();
  }

  private Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : config.headerExtraction.headers) {
      Header h = record.headers().lastHeader(name);
      if (h != null && h.value() != null) {
        out.put(name, new String(h.value(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Adds the extracted headers as resource attributes {@code kafka.header.<name>}, as the Collector does. */
  private static ResourceSpans addHeaders(ResourceSpans rs, Map<String, String> headers) {
    ResourceSpans.Builder b = rs.toBuilder().clearScopeSpans();
    headers.forEach((k, v) -> b.getResourceBuilder().addAttributes(KeyValue.newBuilder()
        .setKey("kafka.header." + k).setValue(AnyValue.newBuilder().setStringValue(v))));
    return b.build();
  }

  private void skip(Item it, String why) {
    log.error("kafka receiver \"{}\": skipping {}-{}@{} ({} spans), as {}: {}", label, it.record.topic(),
        it.record.partition(), it.record.offset(), it.spans, why, it.error);
    if (it.spans > 0) {
      settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", label, it.spans);
    }
    it.outcome = Outcome.SKIPPED;
  }

  private static String firstError(Map<TopicPartition, List<Item>> byPartition) {
    for (List<Item> items : byPartition.values()) {
      for (Item it : items) {
        if (!it.done()) {
          return it.error;
        }
      }
    }
    return "";
  }

  /**
   * Commits, for each partition still assigned, the offset after the last message of its longest
   * handled prefix (or after every message, when {@code all}).
   */
  private void commit(Map<TopicPartition, List<Item>> byPartition, boolean all) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Collection<TopicPartition> assigned = consumer.assignment();
    byPartition.forEach((tp, items) -> {
      long offset = -1;
      for (Item it : items) {
        if (!all && !it.done()) {
          break;
        }
        offset = it.record.offset() + 1;
      }
      if (offset >= 0 && assigned.contains(tp)) {
        offsets.put(tp, new OffsetAndMetadata(offset));
      }
    });
    if (offsets.isEmpty()) {
      return;
    }
    for (int tries = 0; tries < 2; tries++) {
      try {
        consumer.commitSync(offsets, Duration.ofSeconds(10));
        return;
      } catch (WakeupException e) {
        // A shutdown's wakeup; the offsets still deserve their commit.
      } catch (KafkaException e) {
        // Most often a rebalance took the partition away; its new owner reads the messages again.
        log.warn("kafka receiver \"{}\": committing offsets {} failed: {}", label, offsets, e.toString());
        return;
      }
    }
  }

  /** Moves each still-assigned partition back to its first message not handled, so it is read again. */
  private void rewind(Map<TopicPartition, List<Item>> byPartition) {
    Collection<TopicPartition> assigned = consumer.assignment();
    byPartition.forEach((tp, items) -> {
      for (Item it : items) {
        if (!it.done()) {
          if (assigned.contains(tp)) {
            consumer.seek(tp, it.record.offset());
          }
          return;
        }
      }
    });
  }

  private Duration backoff(int attempt) {
    KafkaReceiverConfig.Backoff b = config.errorBackoff;
    double interval = b.initialInterval.toNanos() * Math.pow(b.multiplier, Math.min(attempt, 60));
    interval = Math.min(interval, b.maxInterval.toNanos());
    double jitter = 1 + b.randomizationFactor * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return Duration.ofNanos((long) (interval * jitter));
  }

  /** Polls with every partition paused for {@code d}, so the group keeps this member; returns early on shutdown. */
  private void keepAliveFor(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    while (running && System.nanoTime() < end) {
      keepAlive(KEEP_ALIVE);
    }
  }

  private void keepAlive(Duration d) {
    if (!running) {
      sleep(d);
      return;
    }
    ConsumerRecords<byte[], byte[]> stray;
    try {
      stray = consumer.poll(d);
    } catch (WakeupException e) {
      return;
    }
    // Partitions assigned by a rebalance while paused are paused by the listener; should any
    // message slip through, its partition is rewound so that it is read in the next round.
    for (TopicPartition tp : stray.partitions()) {
      consumer.seek(tp, stray.records(tp).get(0).offset());
      consumer.pause(List.of(tp));
    }
  }

  private void pause(Collection<TopicPartition> partitions) {
    if (!partitions.isEmpty()) {
      consumer.pause(partitions);
    }
  }

  private void resume(Collection<TopicPartition> partitions) {
    if (!partitions.isEmpty()) {
      consumer.resume(partitions);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Keeps partitions assigned mid-processing paused until the current poll's messages are done. */
  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      log.info("kafka receiver \"{}\": partitions revoked: {}", label, partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      log.info("kafka receiver \"{}\": partitions assigned: {}", label, partitions);
      if (processing) {
        pause(partitions);
      }
    }
  }

  /**
   * Stops polling, waits up to 30 seconds for the spans in flight and commits what the pipeline
   * completed; messages not completed by then are read again by the group.
   */
  @Override
  public void shutdown() {
    Thread t;
    synchronized (this) {
      t = thread;
      if (t == null || !running) {
        return;
      }
      stopDeadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
      running = false;
    }
    consumer.wakeup();
    try {
      t.join(SHUTDOWN_GRACE.plusSeconds(15).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.warn("kafka receiver \"{}\" did not stop in time", label);
    }
  }
}
