package dev.skein.cluster;

import dev.skein.cluster.engines.Engines;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the engines once for every test class of the run and stops them after the last one: the
 * engines live in the root context's store, which closes them when the run ends. A shutdown hook
 * stops them too if the test JVM is ended early, so no engine outlives it.
 */
final class SharedCluster implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedCluster.class);
  private static volatile Engines engines;

  @Override
  public void beforeAll(ExtensionContext context) {
    engines = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("engines", k -> {
      try {
        Engines e = Engines.start();
        Runtime.getRuntime().addShutdownHook(new Thread(e::close, "stop-engines"));
        return e;
      } catch (Exception e) {
        throw new IllegalStateException("the cluster did not start: " + e.getMessage(), e);
      }
    }, Engines.class);
  }

  /** The running engines; only valid in a class extended with this extension. */
  static Engines engines() {
    return engines;
  }
}
