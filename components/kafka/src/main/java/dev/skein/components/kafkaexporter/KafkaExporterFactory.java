package dev.skein.components.kafkaexporter;

import dev.skein.exporterhelper.ExporterHelper;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ExporterFactory;
import dev.skein.pipeline.TracesExporter;

/**
 * Creates the {@code kafka} exporter: traces to a Kafka topic in the Collector-contrib kafka
 * exporter's message layout, behind the exporter helper's {@code sending_queue} and
 * {@code retry_on_failure}.
 */
public final class KafkaExporterFactory implements ExporterFactory<KafkaExporterConfig> {
  @Override
  public String type() {
    return "kafka";
  }

  @Override
  public KafkaExporterConfig createDefaultConfig() {
    return new KafkaExporterConfig();
  }

  @Override
  public TracesExporter createTracesExporter(CreateSettings settings, KafkaExporterConfig config) {
    return ExporterHelper.create(settings, config.sendingQueue, config.retryOnFailure,
        new KafkaSender(settings, config));
  }
}
