package dev.skein.components.kafkaexporter;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.components.kafka.internal.KafkaClientSettings;
import dev.skein.exporterhelper.QueueConfig;
import dev.skein.exporterhelper.RetryConfig;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Collector-contrib {@code kafka} exporter settings for traces: the connection
 * ({@link KafkaClientSettings}), {@code traces::topic} (otlp_spans) and {@code traces::encoding}
 * (otlp_proto), or the older top-level {@code topic} and {@code encoding}; {@code topic_from_attribute},
 * {@code partition_traces_by_id}, {@code record_headers}, {@code timeout} (5s per attempt),
 * {@code producer}, {@code sending_queue} and {@code retry_on_failure}.
 *
 * <p>Unlike the Collector's, {@code producer::required_acks} defaults to -1 (all in-sync replicas):
 * a batch counts as exported only once every in-sync replica has it.
 */
final class KafkaExporterConfig extends KafkaClientSettings implements ComponentConfig {
  static final String DEFAULT_TOPIC = "otlp_spans";

  /** The older, signal-independent topic; {@code traces::topic} wins when both are set. */
  @Nullable String topic;
  /** The older, signal-independent encoding; {@code traces::encoding} wins when both are set. */
  @Nullable String encoding;
  SignalSettings traces = new SignalSettings();
  String topicFromAttribute = "";
  boolean partitionTracesById = false;
  Map<String, String> recordHeaders = new LinkedHashMap<>();
  Duration timeout = Duration.ofSeconds(5);
  ProducerSettings producer = new ProducerSettings();
  QueueConfig sendingQueue = new QueueConfig();
  RetryConfig retryOnFailure = new RetryConfig();

  static final class SignalSettings {
    @Nullable String topic;
    @Nullable String encoding;
  }

  static final class ProducerSettings {
    int maxMessageBytes = 1_000_000;
    /** 0 (no acknowledgement), 1 (the leader) or -1 (every in-sync replica). */
    int requiredAcks = -1;
    String compression = "none";
    CompressionParams compressionParams = new CompressionParams();
    /** Accepted for compatibility: the Java client sizes its requests by bytes ({@code batch.size}). */
    int flushMaxMessages = 10_000;
    /** Accepted for compatibility: whether topics are created on first use is the brokers' setting. */
    boolean allowAutoTopicCreation = true;
    Duration linger = Duration.ofMillis(10);
  }

  static final class CompressionParams {
    int level = -1;
  }

  /** The topic traces go to when no resource names one. */
  String topic() {
    return traces.topic != null ? traces.topic : topic != null ? topic : DEFAULT_TOPIC;
  }

  Encoding encoding() {
    return Encoding.fromConfig(encodingName());
  }

  private String encodingName() {
    return traces.encoding != null ? traces.encoding : encoding != null ? encoding : Encoding.OTLP_PROTO.configName();
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>(super.validate());
    if (topic().isBlank()) {
      errors.add((traces.topic != null ? "traces::topic" : "topic") + ": empty (expected: a Kafka topic name)");
    }
    String problem = Encoding.problem(traces.encoding != null ? "traces::encoding" : "encoding", encodingName());
    if (problem != null) {
      errors.add(problem);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      errors.add("timeout: " + GoDuration.format(timeout) + " (expected: > 0)");
    }
    ProducerSettings p = producer;
    if (p.maxMessageBytes <= 0) {
      errors.add("producer::max_message_bytes: " + p.maxMessageBytes + " (expected: > 0)");
    }
    if (p.requiredAcks != 0 && p.requiredAcks != 1 && p.requiredAcks != -1) {
      errors.add("producer::required_acks: " + p.requiredAcks + " (expected: 0, 1 or -1 for all in-sync replicas)");
    }
    if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(p.compression)) {
      errors.add("producer::compression: \"" + p.compression + "\" (expected: none, gzip, snappy, lz4 or zstd)");
    }
    if (p.linger.isNegative()) {
      errors.add("producer::linger: " + GoDuration.format(p.linger) + " (expected: >= 0)");
    }
    if (p.flushMaxMessages < 0) {
      errors.add("producer::flush_max_messages: " + p.flushMaxMessages + " (expected: >= 0)");
    }
    recordHeaders.forEach((k, v) -> {
      if (k.isEmpty()) {
        errors.add("record_headers: \"\" (expected: a header name)");
      }
    });
    errors.addAll(sendingQueue.validate("sending_queue"));
    errors.addAll(retryOnFailure.validate("retry_on_failure"));
    return errors;
  }
}
