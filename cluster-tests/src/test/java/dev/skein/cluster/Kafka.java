package dev.skein.cluster;

import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentFactory;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.pipeline.TracesExporter;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigSource;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients and component setup for the tests: what a Collector-contrib peer would do. */
final class Kafka {
  private Kafka() {}

  static String uniqueTopic(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"), new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /** Sends each record and waits for the broker's acknowledgement. */
  static void send(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        p.send(r).get(60, TimeUnit.SECONDS);
      }
    }
  }

  /** Reads {@code topic} from the start until {@code count} records arrived (bounded). */
  static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int count) throws Exception {
    Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "group.id", "reader-" + UUID.randomUUID(),
        "auto.offset.reset", "earliest", "enable.auto.commit", false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (out.size() < count && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  static ExportTraceServiceRequest request(Traces traces) {
    return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(traces.resourceSpans()).build();
  }

  /** Creates and starts a receiver from its factory and YAML. */
  static <C extends ComponentConfig> Component receiver(ReceiverFactory<C> f, String yaml, TracesConsumer next)
      throws Exception {
    Component c = f.createTracesReceiver(new CreateSettings(ComponentId.of(f.type()), new Telemetry()),
        config(f, yaml), next);
    c.start(Map::of);
    return c;
  }

  /** Creates and starts an exporter from its factory and YAML. */
  static <C extends ComponentConfig> TracesExporter exporter(ExporterFactory<C> f, String yaml) throws Exception {
    TracesExporter e = f.createTracesExporter(new CreateSettings(ComponentId.of(f.type()), new Telemetry()),
        config(f, yaml));
    e.start(Map::of);
    return e;
  }

  /** Binds and validates a component's YAML as the configuration loader does. */
  static <C extends ComponentConfig> C config(ComponentFactory<C> factory, String yaml) throws Exception {
    C c = ConfigBinder.bind(ConfigSource.parse(yaml, k -> null), factory.createDefaultConfig(), "test");
    List<String> problems = c.validate();
    if (!problems.isEmpty()) {
      throw new AssertionError("configuration problems: " + problems);
    }
    return c;
  }
}
