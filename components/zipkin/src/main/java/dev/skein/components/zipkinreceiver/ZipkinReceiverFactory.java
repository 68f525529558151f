package dev.skein.components.zipkinreceiver;

import static java.util.Objects.requireNonNull;

import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.TracesConsumer;

/**
 * Creates the {@code zipkin} receiver: Zipkin v2 spans, JSON or proto3, on
 * {@code POST /api/v2/spans}, with the Collector's settings {@code endpoint} (default
 * {@code 0.0.0.0:9411}), {@code parse_string_tags} (default false) and
 * {@code max_request_body_size} (default 20 MiB).
 */
public final class ZipkinReceiverFactory implements ReceiverFactory<ZipkinReceiverConfig> {
  @Override
  public String type() {
    return "zipkin";
  }

  @Override
  public ZipkinReceiverConfig createDefaultConfig() {
    return new ZipkinReceiverConfig();
  }

  @Override
  public Component createTracesReceiver(CreateSettings settings, ZipkinReceiverConfig config, TracesConsumer next) {
    return new ZipkinReceiver(requireNonNull(settings, "settings"), requireNonNull(config, "config"),
        requireNonNull(next, "next"));
  }
}
