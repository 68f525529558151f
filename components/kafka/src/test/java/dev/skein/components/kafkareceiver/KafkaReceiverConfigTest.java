package dev.skein.components.kafkareceiver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.components.kafka.internal.Yaml;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaReceiverConfigTest {
  private final KafkaReceiverFactory factory = new KafkaReceiverFactory();

  @Test
  void defaultsToTheCollectorsTopicAndGroupAndCommitsOnlyWhatThePipelineHandled() throws Exception {
    KafkaReceiverConfig c = Yaml.valid(factory, "{}");

    assertThat(c.topics()).containsExactly("otlp_spans");
    assertThat(c.encoding()).isEqualTo(Encoding.OTLP_PROTO);
    assertThat(c.messageMarking.after).isTrue();
    Map<String, Object> p = KafkaReceiver.consumerProperties(c);
    assertThat(p).containsEntry("group.id", "otel-collector").containsEntry("enable.auto.commit", false)
        .containsEntry("auto.offset.reset", "latest").containsEntry("session.timeout.ms", 10_000)
        .containsEntry("heartbeat.interval.ms", 3_000).containsEntry("fetch.max.wait.ms", 250);
  }

  @Test
  void readsTopicsFromTheTracesSectionOrTheOlderTopLevelKey() throws Exception {
    assertThat(Yaml.valid(factory, "{topic: spans, encoding: otlp_json}").topics()).containsExactly("spans");
    assertThat(Yaml.valid(factory, "{topic: spans, encoding: otlp_json}").encoding()).isEqualTo(Encoding.OTLP_JSON);
    assertThat(Yaml.valid(factory, "{traces: {topics: [a, b]}, topic: spans}").topics()).containsExactly("a", "b");
  }

  @Test
  void mapsTheGroupSettings() throws Exception {
    KafkaReceiverConfig c = Yaml.valid(factory, "{group_id: ingesters, group_instance_id: ingester-1,"
        + " group_rebalance_strategy: cooperative-sticky, initial_offset: earliest, rack_id: az1}");

    assertThat(KafkaReceiver.consumerProperties(c)).containsEntry("group.id", "ingesters")
        .containsEntry("group.instance.id", "ingester-1").containsEntry("auto.offset.reset", "earliest")
        .containsEntry("client.rack", "az1")
        .containsEntry("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
  }

  @Test
  void namesEveryProblemWithItsKey() {
    assertThat(Yaml.problems(factory, "receivers::kafka", "{initial_offset: newest, group_id: '',"
        + " group_rebalance_strategy: fair, heartbeat_interval: 20s, error_backoff: {multiplier: 0.5},"
        + " traces: {topics: []}}"))
        .containsExactlyInAnyOrder(
            "receivers::kafka::traces::topics: empty (expected: at least one Kafka topic)",
            "receivers::kafka::group_id: empty (expected: the consumer group's name)",
            "receivers::kafka::group_rebalance_strategy: \"fair\" (expected: range, roundrobin, sticky or"
                + " cooperative-sticky)",
            "receivers::kafka::initial_offset: \"newest\" (expected: latest or earliest)",
            "receivers::kafka::heartbeat_interval: 20s (expected: < session_timeout, 10s)",
            "receivers::kafka::error_backoff::multiplier: 0.5 (expected: >= 1)");
  }
}
