package dev.skein.components.otlpreceiver;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.TracesConsumer;

/** Creates the {@code otlp} receiver: OTLP/gRPC and OTLP/HTTP (protobuf and JSON). */
public final class OtlpReceiverFactory implements ReceiverFactory<OtlpReceiverConfig> {
  @Override
  public String type() {
    return "otlp";
  }

  @Override
  public OtlpReceiverConfig createDefaultConfig() {
    return new OtlpReceiverConfig();
  }

  @Override
  public Component createTracesReceiver(CreateSettings settings, OtlpReceiverConfig config, TracesConsumer next) {
    return new OtlpReceiver(settings, config, next);
  }
}
