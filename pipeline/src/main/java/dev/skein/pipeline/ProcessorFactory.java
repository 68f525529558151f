package dev.skein.pipeline;

/** Creates processors: consumers that transform, batch, filter or refuse data before passing it on. */
public interface ProcessorFactory<C extends ComponentConfig> extends ComponentFactory<C> {
  @Override
  default ComponentKind kind() {
    return ComponentKind.PROCESSOR;
  }

  /** Creates a processor in front of {@code next}. Each pipeline gets its own instance. */
  TracesProcessor createTracesProcessor(CreateSettings settings, C config, TracesConsumer next);
}
