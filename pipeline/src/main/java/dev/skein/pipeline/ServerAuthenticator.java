package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Decides whether a request may reach a receiver, from its HTTP headers or gRPC metadata alone:
 * the Collector's server authenticator ({@code extensionauth.Server}). Extensions such as
 * {@code bearertokenauth} and {@code basicauth} implement it; a receiver names one in its
 * {@code auth::authenticator} setting and finds it with
 * {@code host.extension(ComponentId.parse(id), ServerAuthenticator.class)} when it starts.
 *
 * <p>Receivers call {@link #authenticate} once per request, before they read or decode its body,
 * from many threads at once and often on an I/O thread: an implementation must be thread-safe and
 * must not block. Work that takes long (a slow password hash) completes the future from another
 * thread.
 */
public interface ServerAuthenticator {
  /**
   * Checks one request's credentials. The future completes with the client on success, or
   * exceptionally with an {@link AuthenticationException} whose message is sent to the client: it
   * says why without repeating any part of the credential. Any other failure is a fault of the
   * authenticator; receivers refuse the request then too.
   */
  CompletableFuture<Client> authenticate(Headers headers);

  /** Who a request authenticated as. */
  record Client(String name, String tenant) {
    /** A client whose credential names no one, such as a shared token. */
    public static final Client ANONYMOUS = new Client("");

    /**
     * @param name the user name the credential carried; empty when it carries none
     * @param tenant the tenant the credential belongs to; {@link dev.skein.model.Tenants#NONE}
     *     when it names none. With multitenancy on, it wins over any {@code X-Scope-OrgID} header.
     */
    public Client {
      requireNonNull(name, "name");
      dev.skein.model.Tenants.check(tenant);
    }

    /** A client of no particular tenant. */
    public Client(String name) {
      this(name, dev.skein.model.Tenants.NONE);
    }
  }

  /**
   * A request's headers (HTTP) or metadata (gRPC). Names are case-insensitive; values come in the
   * order they were received.
   */
  @FunctionalInterface
  interface Headers {
    /** Every value of {@code name}; empty when the request has none. */
    List<String> getAll(String name);

    /** The first value of {@code name}, or {@code null} when the request has none. */
    default @Nullable String get(String name) {
      List<String> all = getAll(name);
      return all.isEmpty() ? null : all.get(0);
    }

    /** Headers from a map of names to values; the map is copied. */
    static Headers of(Map<String, List<String>> headers) {
      requireNonNull(headers, "headers");
      Map<String, List<String>> copy = new TreeMap<>();
      headers.forEach((k, v) -> copy.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
      copy.replaceAll((k, v) -> List.copyOf(v));
      return name -> copy.getOrDefault(name.toLowerCase(Locale.ROOT), Collections.emptyList());
    }
  }
}
