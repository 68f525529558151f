package dev.skein.examples.shop.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Where everything listens. Skein listens on {@code skeinHost}; the services and PostgreSQL listen
 * on 127.0.0.1 only, since nothing outside this machine needs them.
 */
record Ports(String skeinHost, int otlpGrpc, int otlpHttp, int query, int spanMetrics, int health, int telemetry,
    int gateway, int orders, int inventory, int payment, int postgres) {

  /** Skein's standard ports on every interface, the services on 8080 to 8083, PostgreSQL on a free port. */
  static Ports standard() {
    return new Ports("0.0.0.0", 4317, 4318, 16686, 8889, 13133, 8888, 8080, 8081, 8082, 8083, free(1).get(0));
  }

  /** Free ports on 127.0.0.1 for everything: for tests, and next to another Skein. */
  static Ports allFree() {
    List<Integer> p = free(11);
    return new Ports("127.0.0.1", p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5),
        p.get(6), p.get(7), p.get(8), p.get(9), p.get(10));
  }

  /** The host to put in URLs a person opens: {@code localhost} when Skein listens everywhere. */
  String urlHost() {
    return skeinHost.equals("0.0.0.0") ? "localhost" : skeinHost;
  }

  String skein(int port) {
    return skeinHost + ":" + port;
  }

  private static List<Integer> free(int n) {
    // Holding every socket open until all are chosen keeps the n ports distinct.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // Closing a socket that was only bound cannot lose anything.
        }
      }
    }
  }
}
