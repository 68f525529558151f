package dev.skein.pipeline;

/** Creates processors: consumers that transform, batch, filter or refuse data before passing it on. */
public interface ProcessorFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.PROCESSOR;
  }

  /** Creates a processor in front of {@code next}. Each pipeline gets its own instance. */
  TracesProcessor createTracesProcessor(CreateSettings settings, C config, TracesConsumer next);

  /** Whether this component can be used in a pipeline of {@code signal}. */
  default boolean supports(Signal signal) {
    return signal == Signal.TRACES;
  }

  /** Creates a processor in front of {@code next} for a metrics pipeline. */
  default MetricsProcessor createMetricsProcessor(CreateSettings settings, C config, MetricsConsumer next) {
    throw new UnsupportedOperationException(type() + " does not process metrics");
  }
}
