package dev.skein.components.kafkaexporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.components.kafka.internal.Yaml;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaExporterConfigTest {
  private final KafkaExporterFactory factory = new KafkaExporterFactory();

  @Test
  void defaultsToTheCollectorsTopicAndEncodingWithAcksFromEveryReplica() throws Exception {
    KafkaExporterConfig c = Yaml.valid(factory, "{}");

    assertThat(c.brokers()).containsExactly("localhost:9092");
    assertThat(c.topic()).isEqualTo("otlp_spans");
    assertThat(c.encoding()).isEqualTo(Encoding.OTLP_PROTO);
    assertThat(c.partitionTracesById).isFalse();
    Map<String, Object> p = KafkaSender.producerProperties(c);
    assertThat(p).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
        .containsEntry("bootstrap.servers", "localhost:9092").containsEntry("security.protocol", "PLAINTEXT")
        .containsEntry("client.id", "otel-collector").containsEntry("compression.type", "none")
        .containsEntry("max.block.ms", 5000L);
  }

  @Test
  void takesTheTopLevelTopicAndEncodingOfOlderCollectorsAndPrefersTheTracesSection() throws Exception {
    KafkaExporterConfig legacy = Yaml.valid(factory, "{topic: spans, encoding: otlp_json}");
    assertThat(legacy.topic()).isEqualTo("spans");
    assertThat(legacy.encoding()).isEqualTo(Encoding.OTLP_JSON);

    KafkaExporterConfig both = Yaml.valid(factory, "{topic: spans, traces: {topic: traces}}");
    assertThat(both.topic()).isEqualTo("traces");
  }

  @Test
  void configuresSaslOverTls() throws Exception {
    KafkaExporterConfig c = Yaml.valid(factory, "{brokers: [k1:9093, k2:9093], tls: {},"
        + " auth: {sasl: {username: skein, password: 'p\"w', mechanism: SCRAM-SHA-512}}, producer: {required_acks: 1}}");

    Map<String, Object> p = KafkaSender.producerProperties(c);
    assertThat(p).containsEntry("bootstrap.servers", "k1:9093,k2:9093").containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("acks", "1")
        .containsEntry("enable.idempotence", false)
        .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"skein\" password=\"p\\\"w\";");
  }

  @Test
  void namesEveryProblemWithItsKey() {
    assertThat(Yaml.problems(factory, "exporters::kafka", "{brokers: [nohost], encoding: zipkin_json,"
        + " producer: {required_acks: 2, compression: brotli}, auth: {sasl: {mechanism: GSSAPI, username: u}},"
        + " tls: {insecure_skip_verify: true}, timeout: 0s}"))
        .containsExactlyInAnyOrder(
            "exporters::kafka::brokers[0]: \"nohost\" (expected: host:port)",
            "exporters::kafka::encoding: \"zipkin_json\" (expected: otlp_proto or otlp_json)",
            "exporters::kafka::producer::required_acks: 2 (expected: 0, 1 or -1 for all in-sync replicas)",
            "exporters::kafka::producer::compression: \"brotli\" (expected: none, gzip, snappy, lz4 or zstd)",
            "exporters::kafka::auth::sasl::mechanism: \"GSSAPI\" (expected: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)",
            "exporters::kafka::tls::insecure_skip_verify: true (expected: false; the Kafka client always verifies"
                + " the brokers' certificates: give their CA in tls::ca_file)",
            "exporters::kafka::timeout: 0s (expected: > 0)");
    assertThat(Yaml.problems(factory, "exporters::kafka", "{partition_traces_by_idd: true}")).singleElement()
        .asString().startsWith("exporters::kafka::partition_traces_by_idd: unknown key");
  }
}
