package dev.skein.components.jaegerreceiver;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.TracesConsumer;

/**
 * Creates the {@code jaeger} receiver: Jaeger's gRPC {@code CollectorService/PostSpans}
 * (api_v2), translated to OTLP as the Collector's Jaeger receiver does. The Thrift protocols are
 * not supported and are refused when configured.
 */
public final class JaegerReceiverFactory implements ReceiverFactory<JaegerReceiverConfig> {
  @Override
  public String type() {
    return "jaeger";
  }

  @Override
  public JaegerReceiverConfig createDefaultConfig() {
    return new JaegerReceiverConfig();
  }

  @Override
  public Component createTracesReceiver(CreateSettings settings, JaegerReceiverConfig config, TracesConsumer next) {
    return new JaegerReceiver(settings, config, next);
  }
}
