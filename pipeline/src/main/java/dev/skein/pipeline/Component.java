package dev.skein.pipeline;

/**
 * A running part of a pipeline. {@link #start} and {@link #shutdown} are idempotent;
 * {@link #shutdown} is safe without {@link #start}, and it flushes what the component holds before
 * it returns.
 */
public interface Component {
  /** Starts the component; the host gives access to the extensions. */
  default void start(Host host) throws Exception {}

  /** Stops the component after flushing what it holds. */
  default void shutdown() {}
}
