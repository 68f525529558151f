package dev.skein.pipeline;

/**
 * An extension that wants to know when the pipelines are running, as the Collector's health
 * check does. {@link #ready()} is called once every component has started; {@link #notReady()}
 * before the first one stops.
 */
public interface PipelineWatcher {
  void ready();

  void notReady();
}
