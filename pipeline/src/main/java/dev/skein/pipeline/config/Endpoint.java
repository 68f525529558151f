package dev.skein.pipeline.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

/** Parses the Collector's {@code host:port} endpoints ({@code 0.0.0.0:4317}, {@code :4317}, {@code [::1]:4317}). */
public final class Endpoint {
  private Endpoint() {}

  /**
   * Parses {@code endpoint}; an empty host means every interface.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static InetSocketAddress parse(String endpoint) {
    requireNonNull(endpoint, "endpoint");
    int colon = endpoint.lastIndexOf(':');
    if (colon < 0) {
      throw invalid(endpoint);
    }
    String host = endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw invalid(endpoint);
    }
    if (port < 0 || port > 65535) {
      throw invalid(endpoint);
    }
    return host.isEmpty() ? new InetSocketAddress(port) : InetSocketAddress.createUnresolved(host, port);
  }

  /** Returns the validation problem of {@code endpoint} under {@code key}, or null when it is fine. */
  public static String problem(String key, String endpoint) {
    try {
      parse(endpoint);
      return null;
    } catch (IllegalArgumentException e) {
      return key + ": " + e.getMessage();
    }
  }

  private static IllegalArgumentException invalid(String endpoint) {
    return new IllegalArgumentException("\"" + endpoint + "\" (expected: host:port with a port from 0 to 65535)");
  }
}
