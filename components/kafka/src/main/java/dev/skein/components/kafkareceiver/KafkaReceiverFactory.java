package dev.skein.components.kafkareceiver;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.TracesConsumer;

/**
 * Creates the {@code kafka} receiver: a consumer group member that reads the Collector-contrib
 * kafka exporter's messages and commits each message's offset only once the pipeline has its spans.
 */
public final class KafkaReceiverFactory implements ReceiverFactory<KafkaReceiverConfig> {
  @Override
  public String type() {
    return "kafka";
  }

  @Override
  public KafkaReceiverConfig createDefaultConfig() {
    return new KafkaReceiverConfig();
  }

  @Override
  public Component createTracesReceiver(CreateSettings settings, KafkaReceiverConfig config, TracesConsumer next) {
    return new KafkaReceiver(settings, config, next);
  }
}
