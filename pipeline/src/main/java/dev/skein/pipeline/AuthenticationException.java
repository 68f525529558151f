package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * A request refused by a {@link ServerAuthenticator}. Receivers answer it with HTTP 401 (its
 * {@link #challenge()} in {@code WWW-Authenticate}) or gRPC UNAUTHENTICATED, and send its message
 * to the client, so the message says why without repeating any part of the credential.
 */
public final class AuthenticationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String challenge;

  /**
   * @param message why the request is refused, safe to show the client
   * @param challenge the {@code WWW-Authenticate} value an HTTP client gets, e.g.
   *     {@code Basic realm="basicauth", charset="UTF-8"}
   */
  public AuthenticationException(String message, String challenge) {
    // No stack trace: refusals are routine, and the trace would only show the authenticator.
    super(requireNonNull(message, "message"), null, false, false);
    this.challenge = requireNonNull(challenge, "challenge");
    if (challenge.isBlank()) {
      throw new IllegalArgumentException("challenge: \"\" (expected: an auth scheme, e.g. Bearer)");
    }
  }

  /** The {@code WWW-Authenticate} value for an HTTP 401 answer. */
  public String challenge() {
    return challenge;
  }
}
