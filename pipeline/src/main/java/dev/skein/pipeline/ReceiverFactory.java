package dev.skein.pipeline;

/** Creates receivers, which turn wire bytes into batches for the next consumer. */
public interface ReceiverFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.RECEIVER;
  }

  /** Creates a receiver that hands every batch it decodes to {@code next}. */
  Component createTracesReceiver(CreateSettings settings, C config, TracesConsumer next);
}
