package dev.skein.pipeline;

/** Creates receivers, which turn wire bytes into batches for the next consumer. */
public interface ReceiverFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.RECEIVER;
  }

  /** Creates a receiver that hands every batch it decodes to {@code next}. */
  Component createTracesReceiver(CreateSettings settings, C config, TracesConsumer next);

  /** Whether this component can be used in a pipeline of {@code signal}. */
  default boolean supports(Signal signal) {
    return signal == Signal.TRACES;
  }

  /** Creates a receiver for a metrics pipeline. */
  default Component createMetricsReceiver(CreateSettings settings, C config, MetricsConsumer next) {
    throw new UnsupportedOperationException(type() + " does not receive metrics");
  }
}
