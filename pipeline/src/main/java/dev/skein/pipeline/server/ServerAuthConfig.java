package dev.skein.pipeline.server;

import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's server {@code auth} settings ({@code configauth}): the authenticator extension
 * that must accept every request, e.g. {@code auth: {authenticator: bearertokenauth}}.
 */
public class ServerAuthConfig {
  /** The ID of a {@link ServerAuthenticator} extension, e.g. {@code basicauth/otlp}. */
  String authenticator = "";

  /** The configured ID, unparsed. */
  public String authenticator() {
    return authenticator;
  }

  /** Problems, each prefixed with {@code prefix}, the YAML path of this block (e.g. {@code auth}). */
  public List<String> validate(String prefix) {
    List<String> errors = new ArrayList<>();
    if (authenticator.isBlank()) {
      errors.add(prefix + "::authenticator: missing (expected: the ID of an authenticator extension,"
          + " e.g. bearertokenauth or basicauth/otlp)");
      return errors;
    }
    try {
      ComponentId.parse(authenticator);
    } catch (IllegalArgumentException e) {
      errors.add(prefix + "::authenticator: " + e.getMessage());
    }
    return errors;
  }

  /** The ID of the authenticator; valid once {@link #validate} found no problem. */
  public ComponentId authenticatorId() {
    return ComponentId.parse(authenticator);
  }

  /**
   * The running authenticator this block names.
   *
   * @param prefix the YAML path of this block, for the message
   * @throws IllegalStateException naming {@code prefix::authenticator} when the extension is
   *     missing or is not an authenticator
   */
  public ServerAuthenticator find(Host host, String prefix) {
    try {
      return host.extension(authenticatorId(), ServerAuthenticator.class);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(prefix + "::authenticator: " + e.getMessage(), e);
    }
  }
}
