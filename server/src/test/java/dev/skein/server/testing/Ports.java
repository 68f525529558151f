package dev.skein.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1 for servers a test starts.
 *
 * <p>A port the kernel hands out for {@code new ServerSocket(0)} comes from the ephemeral range
 * (32768 to 60999 on Linux), the same range every outgoing connection on the machine takes its
 * local port from; between the check and the server's own bind, a browser, a database client or
 * another test may take it. These ports come from below that range instead, are checked to be
 * free, and are never handed out twice by one JVM.
 */
public final class Ports {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private Ports() {}

  /** A port on 127.0.0.1 that nothing listened on a moment ago and this JVM has not handed out. */
  public static int free() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException inUse) {
        // Taken by someone else: try another.
      }
    }
    throw new IllegalStateException("no free port between " + LOW + " and " + HIGH + " after 1,000 attempts");
  }
}
