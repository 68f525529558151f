package dev.skein.components.kafkareceiver;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.components.kafka.internal.KafkaClientSettings;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector-contrib {@code kafka} receiver settings for traces: the connection
 * ({@link KafkaClientSettings}), {@code traces::topics} ([otlp_spans]) and {@code traces::encoding}
 * (otlp_proto), or the older top-level {@code topic} and {@code encoding}; the consumer group
 * ({@code group_id} otel-collector, {@code group_instance_id}, {@code group_rebalance_strategy},
 * {@code initial_offset} latest, {@code session_timeout} 10s, {@code heartbeat_interval} 3s), fetch
 * sizes, {@code autocommit}, {@code message_marking}, {@code error_backoff} and
 * {@code header_extraction}.
 *
 * <p>Where Skein differs from the Collector, for at-least-once delivery into storage:
 * {@code message_marking::after} defaults to true (a message's offset is committed only once the
 * pipeline, and so storage, has its spans); {@code message_marking::on_permanent_error} defaults to
 * true (a message that can never be stored, such as one that does not decode, is skipped instead
 * of blocking its partition); {@code error_backoff} is enabled by default and retries a failed
 * message until it is stored ({@code max_elapsed_time} 0). {@code autocommit} is accepted, but
 * offsets are committed after every processed poll, whatever it says.
 */
final class KafkaReceiverConfig extends KafkaClientSettings implements ComponentConfig {
  static final String DEFAULT_TOPIC = "otlp_spans";

  /** The older, signal-independent topic; {@code traces::topics} wins when both are set. */
  @Nullable String topic;
  /** The older, signal-independent encoding; {@code traces::encoding} wins when both are set. */
  @Nullable String encoding;
  SignalSettings traces = new SignalSettings();
  String groupId = "otel-collector";
  String groupInstanceId = "";
  String groupRebalanceStrategy = "";
  String rackId = "";
  String initialOffset = "latest";
  Duration sessionTimeout = Duration.ofSeconds(10);
  Duration heartbeatInterval = Duration.ofSeconds(3);
  int minFetchSize = 1;
  int maxFetchSize = 1_048_576;
  Duration maxFetchWait = Duration.ofMillis(250);
  int maxPartitionFetchSize = 1_048_576;
  AutocommitSettings autocommit = new AutocommitSettings();
  MessageMarking messageMarking = new MessageMarking();
  Backoff errorBackoff = new Backoff();
  HeaderExtraction headerExtraction = new HeaderExtraction();

  static final class SignalSettings {
    @Nullable List<String> topics;
    @Nullable String encoding;
  }

  static final class AutocommitSettings {
    boolean enable = true;
    Duration interval = Duration.ofSeconds(1);
  }

  static final class MessageMarking {
    /** Commit a message's offset after the pipeline handled it (true), or as soon as it is read. */
    boolean after = true;
    /** Commit a message whose spans failed with a retryable error (they are then lost). */
    boolean onError = false;
    /** Commit a message whose spans can never be stored (it is then skipped). */
    boolean onPermanentError = true;
  }

  static final class Backoff {
    boolean enabled = true;
    Duration initialInterval = Duration.ofSeconds(1);
    Duration maxInterval = Duration.ofSeconds(30);
    double multiplier = 1.5;
    double randomizationFactor = 0.5;
    /** 0 retries until the message is stored. */
    Duration maxElapsedTime = Duration.ZERO;
  }

  static final class HeaderExtraction {
    boolean extractHeaders = false;
    List<String> headers = new ArrayList<>();
  }

  List<String> topics() {
    return traces.topics != null ? List.copyOf(traces.topics)
        : topic != null ? List.of(topic) : List.of(DEFAULT_TOPIC);
  }

  Encoding encoding() {
    return Encoding.fromConfig(encodingName());
  }

  private String encodingName() {
    return traces.encoding != null ? traces.encoding : encoding != null ? encoding : Encoding.OTLP_PROTO.configName();
  }

  /** The Kafka assignor class of {@code group_rebalance_strategy}, or null for the client's default. */
  @Nullable String assignor() {
    switch (groupRebalanceStrategy) {
      case "range": return "org.apache.kafka.clients.consumer.RangeAssignor";
      case "roundrobin": return "org.apache.kafka.clients.consumer.RoundRobinAssignor";
      case "sticky": return "org.apache.kafka.clients.consumer.StickyAssignor";
      case "cooperative-sticky": return "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
      default: return null;
    }
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>(super.validate());
    String topicsKey = traces.topics != null ? "traces::topics" : "topic";
    if (topics().isEmpty()) {
      errors.add(topicsKey + ": empty (expected: at least one Kafka topic)");
    }
    for (String t : topics()) {
      if (t == null || t.isBlank()) {
        errors.add(topicsKey + ": \"\" (expected: Kafka topic names)");
      }
    }
    String problem = Encoding.problem(traces.encoding != null ? "traces::encoding" : "encoding", encodingName());
    if (problem != null) {
      errors.add(problem);
    }
    if (groupId.isBlank()) {
      errors.add("group_id: empty (expected: the consumer group's name)");
    }
    if (!groupRebalanceStrategy.isEmpty() && assignor() == null) {
      errors.add("group_rebalance_strategy: \"" + groupRebalanceStrategy
          + "\" (expected: range, roundrobin, sticky or cooperative-sticky)");
    }
    if (!initialOffset.equals("latest") && !initialOffset.equals("earliest")) {
      errors.add("initial_offset: \"" + initialOffset + "\" (expected: latest or earliest)");
    }
    positive(errors, "session_timeout", sessionTimeout);
    positive(errors, "heartbeat_interval", heartbeatInterval);
    if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
      errors.add("heartbeat_interval: " + GoDuration.format(heartbeatInterval) + " (expected: < session_timeout, "
          + GoDuration.format(sessionTimeout) + ")");
    }
    if (minFetchSize < 0) {
      errors.add("min_fetch_size: " + minFetchSize + " (expected: >= 0)");
    }
    if (maxFetchSize < Math.max(1, minFetchSize)) {
      errors.add("max_fetch_size: " + maxFetchSize + " (expected: >= min_fetch_size, " + minFetchSize + ")");
    }
    if (maxPartitionFetchSize <= 0) {
      errors.add("max_partition_fetch_size: " + maxPartitionFetchSize + " (expected: > 0)");
    }
    if (maxFetchWait.isNegative()) {
      errors.add("max_fetch_wait: " + GoDuration.format(maxFetchWait) + " (expected: >= 0)");
    }
    if (errorBackoff.enabled) {
      positive(errors, "error_backoff::initial_interval", errorBackoff.initialInterval);
      if (errorBackoff.maxInterval.compareTo(errorBackoff.initialInterval) < 0) {
        errors.add("error_backoff::max_interval: " + GoDuration.format(errorBackoff.maxInterval)
            + " (expected: >= initial_interval)");
      }
      if (errorBackoff.multiplier < 1) {
        errors.add("error_backoff::multiplier: " + errorBackoff.multiplier + " (expected: >= 1)");
      }
      if (errorBackoff.randomizationFactor < 0 || errorBackoff.randomizationFactor > 1) {
        errors.add("error_backoff::randomization_factor: " + errorBackoff.randomizationFactor
            + " (expected: between 0 and 1)");
      }
      if (errorBackoff.maxElapsedTime.isNegative()) {
        errors.add("error_backoff::max_elapsed_time: " + GoDuration.format(errorBackoff.maxElapsedTime)
            + " (expected: >= 0, where 0 retries until the message is stored)");
      }
    }
    for (int i = 0; i < headerExtraction.headers.size(); i++) {
      String h = headerExtraction.headers.get(i);
      if (h == null || h.isEmpty()) {
        errors.add("header_extraction::headers[" + i + "]: \"\" (expected: a header name)");
      }
    }
    return errors;
  }

  private static void positive(List<String> errors, String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      errors.add(key + ": " + GoDuration.format(d) + " (expected: > 0)");
    }
  }
}
