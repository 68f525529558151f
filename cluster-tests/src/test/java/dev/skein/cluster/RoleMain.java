package dev.skein.cluster;

import dev.skein.pipeline.Service;
import dev.skein.pipeline.Telemetry;
import java.nio.file.Path;

/**
 * Runs one role in its own JVM, as a cluster node would: {@code RoleMain <config.yaml>}, with
 * {@code ${env:...}} from the process environment. It prints {@code started} once the role runs,
 * and stops cleanly on SIGTERM; the tests also SIGKILL it to crash a node mid-batch.
 */
public final class RoleMain {
  private RoleMain() {}

  public static void main(String[] args) throws Exception {
    Service service = Roles.start(Path.of(args[0]), System.getenv(), new Telemetry());
    Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "shutdown"));
    System.out.println("started");
    System.out.flush();
    Thread.currentThread().join();
  }
}
