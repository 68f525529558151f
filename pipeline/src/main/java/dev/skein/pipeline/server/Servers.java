package dev.skein.pipeline.server;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerTlsConfig;
import dev.skein.model.Nullable;
import dev.skein.pipeline.config.Endpoint;
import io.netty.handler.ssl.ClientAuth;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Armeria servers that receivers and extensions listen with, so that every port gets
 * the same TLS and HTTP/2 limits: plaintext or TLS per the Collector's {@code tls} block, mutual
 * TLS with {@code client_ca_file}, at most {@link #DEFAULT_MAX_CONCURRENT_STREAMS} concurrent
 * streams per HTTP/2 connection unless configured, and a bound on stream resets (HTTP/2 rapid
 * reset, CVE-2023-44487).
 */
public final class Servers {
  private static final Logger log = LoggerFactory.getLogger(Servers.class);

  /** Concurrent streams per HTTP/2 connection when none is configured: Go's HTTP/2 server default. */
  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 250;
  /** Stream resets a client may cause per {@link #RESET_WINDOW_SECONDS} before its connection is closed. */
  static final int MAX_RESET_FRAMES = 200;
  static final int RESET_WINDOW_SECONDS = 30;

  private Servers() {}

  /**
   * A server builder listening on {@code endpoint}, with TLS when {@code tls} is set, at most
   * {@code maxConcurrentStreams} streams per HTTP/2 connection (0 for
   * {@link #DEFAULT_MAX_CONCURRENT_STREAMS}) and the reset bound.
   *
   * @param tlsPrefix the YAML path of the {@code tls} block, for messages
   * @throws IllegalStateException naming the {@code tls} keys when the certificate cannot be used
   */
  public static ServerBuilder builder(String endpoint, @Nullable TlsServerConfig tls, String tlsPrefix,
      int maxConcurrentStreams) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(tlsPrefix, "tlsPrefix");
    if (maxConcurrentStreams < 0) {
      throw new IllegalArgumentException("maxConcurrentStreams: " + maxConcurrentStreams + " (expected: >= 0)");
    }
    InetSocketAddress a = Endpoint.parse(endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    ServerBuilder sb = Server.builder();
    if (tls == null) {
      sb.port(bind, SessionProtocol.HTTP);
    } else {
      sb.port(bind, SessionProtocol.HTTPS);
      tls(sb, tls, tlsPrefix);
    }
    sb.http2MaxStreamsPerConnection(maxConcurrentStreams > 0 ? maxConcurrentStreams : DEFAULT_MAX_CONCURRENT_STREAMS);
    sb.http2MaxResetFramesPerWindow(MAX_RESET_FRAMES, RESET_WINDOW_SECONDS);
    return sb;
  }

  /**
   * The decorator that lets a request through to a service only once {@code auth} accepted its
   * credential and {@code tenancy} found its tenant, in that order; either may be null (off).
   * Refusals are answered by {@code answer}.
   */
  public static java.util.function.Function<? super com.linecorp.armeria.server.HttpService,
      ? extends com.linecorp.armeria.server.HttpService> access(@Nullable ServerAuth auth,
      @Nullable Tenancy tenancy, ServerAuth.Answer answer) {
    requireNonNull(answer, "answer");
    return service -> {
      com.linecorp.armeria.server.HttpService s = tenancy == null ? service : tenancy.decorate(service, answer);
      return auth == null ? s : auth.decorate(s);
    };
  }

  private static void tls(ServerBuilder sb, TlsServerConfig tls, String prefix) {
    TlsKeyPair first;
    List<java.security.cert.X509Certificate> clientCas;
    try {
      first = tls.keyPair(prefix);
      clientCas = tls.mutual() ? tls.clientCas(prefix) : List.of();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    TlsProvider provider;
    if (tls.reloadInterval().isZero()) {
      provider = TlsProvider.builder().keyPair(first).trustedCertificates(clientCas).build();
    } else {
      // A certificate renewed on disk is served from the next reload on; until a renewal can be
      // read whole and used, the last good one stays.
      TlsKeyPair[] last = {first};
      provider = TlsProvider.ofScheduled(() -> {
        try {
          last[0] = tls.keyPair(prefix);
        } catch (IllegalArgumentException e) {
          log.warn("{}: keeping the certificate read before: {}", prefix, e.getMessage());
        }
        return last[0];
      }, clientCas, k -> { }, tls.reloadInterval(), com.linecorp.armeria.common.CommonPools.blockingTaskExecutor());
    }
    String[] protocols = tls.protocols();
    sb.tlsProvider(provider, ServerTlsConfig.builder()
        .clientAuth(tls.mutual() ? ClientAuth.REQUIRE : ClientAuth.NONE)
        .tlsCustomizer(b -> {
          b.protocols(protocols);
          if (tls.mutual()) {
            b.trustManager(clientCas);
          }
        })
        .build());
  }
}
