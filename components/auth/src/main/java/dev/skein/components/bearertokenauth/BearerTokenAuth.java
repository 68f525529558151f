package dev.skein.components.bearertokenauth;

import dev.skein.components.auth.internal.Secrets;
import dev.skein.components.auth.internal.WatchedFile;
import dev.skein.model.Nullable;
import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a request whose {@code header} holds {@code scheme}, a space and one of the tokens. Only
 * SHA-256 digests of the tokens are kept, and a presented token is compared with every one of
 * them in constant time. With {@code filename}, the tokens are the file's non-blank lines, read
 * again when the file changes.
 */
final class BearerTokenAuth implements Component, ServerAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(BearerTokenAuth.class);

  private final CreateSettings settings;
  private final BearerTokenAuthConfig config;
  private final String missing;
  private final String wrongScheme;
  private final String noMatch;
  private final String challenge;
  private final String invalidTokenChallenge;
  /** Digests of the accepted tokens; replaced whole when the file changes. Empty refuses everyone. */
  private volatile List<byte[]> digests;
  /** Digests of the tenants' tokens, with the tenant of each at the same index. */
  private final List<byte[]> tenantDigests;
  private final List<String> tenantIds;
  private @Nullable WatchedFile file;
  private boolean started;

  BearerTokenAuth(CreateSettings settings, BearerTokenAuthConfig config) {
    this.settings = settings;
    this.config = config;
    this.missing = "missing " + config.header + " header";
    this.wrongScheme = config.header + " header: expected the " + config.scheme + " scheme";
    this.noMatch = config.header + " header: the " + (config.scheme.isEmpty() ? "" : config.scheme + " ")
        + "token is not one of the accepted tokens";
    // RFC 6750 asks for a challenge in the header's scheme; a bare token in another header has no
    // scheme of its own, so Bearer names the kind of credential expected.
    String scheme = config.scheme.isEmpty() ? "Bearer" : config.scheme;
    this.challenge = scheme + " realm=\"" + settings.id() + "\"";
    this.invalidTokenChallenge = challenge + ", error=\"invalid_token\"";
    List<String> configured = config.filename.isEmpty()
        ? (!config.tokens.isEmpty() ? config.tokens : config.token.isEmpty() ? List.<String>of() : List.of(config.token))
        : List.of();
    this.digests = digests(configured);
    List<String> tenantTokens = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (BearerTokenAuthConfig.TenantToken t : config.tenants) {
      tenantTokens.add(t.token);
      ids.add(t.tenant);
    }
    this.tenantDigests = digests(tenantTokens);
    this.tenantIds = List.copyOf(ids);
  }

  @Override
  public synchronized void start(Host host) {
    if (started) {
      return;
    }
    if (!config.filename.isEmpty()) {
      if (!config.token.isEmpty() || !config.tokens.isEmpty()) {
        log.warn("{}: filename is set, so token and tokens are ignored", settings.id());
      }
      file = WatchedFile.open(Path.of(config.filename), settings.id() + ": filename \"" + config.filename + "\"",
          content -> digests = digests(tokensOf(content)));
    }
    started = true;
  }

  /** The file's tokens: its lines without surrounding whitespace, blank ones left out. */
  static List<String> tokensOf(String content) {
    List<String> tokens = new ArrayList<>();
    content.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(tokens::add);
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("it holds no token (expected: one token a line)");
    }
    return tokens;
  }

  private static List<byte[]> digests(List<String> tokens) {
    List<byte[]> out = new ArrayList<>(tokens.size());
    tokens.forEach(t -> out.add(Secrets.digest(t)));
    return List.copyOf(out);
  }

  @Override
  public CompletableFuture<Client> authenticate(Headers headers) {
    String value = headers.get(config.header);
    if (value == null || value.isBlank()) {
      return refuse(missing, challenge);
    }
    String token = value.strip();
    if (!config.scheme.isEmpty()) {
      int n = config.scheme.length();
      // Auth schemes are case-insensitive (RFC 9110 §11.1); one or more spaces follow.
      if (token.length() <= n || !token.regionMatches(true, 0, config.scheme, 0, n) || token.charAt(n) != ' ') {
        return refuse(wrongScheme, challenge);
      }
      token = token.substring(n).strip();
    }
    // Every digest is compared, whichever matches, so the time taken tells nothing about the token.
    boolean plain = Secrets.matchesAny(token, digests);
    byte[] presented = Secrets.digest(token);
    int tenant = -1;
    for (int i = 0; i < tenantDigests.size(); i++) {
      if (Secrets.equal(presented, tenantDigests.get(i)) && tenant < 0) {
        tenant = i;
      }
    }
    if (tenant >= 0) {
      return CompletableFuture.completedFuture(new Client("", tenantIds.get(tenant)));
    }
    if (!plain) {
      return refuse(noMatch, invalidTokenChallenge);
    }
    return CompletableFuture.completedFuture(Client.ANONYMOUS);
  }

  private static CompletableFuture<Client> refuse(String message, String challenge) {
    return CompletableFuture.failedFuture(new AuthenticationException(message, challenge));
  }

  @Override
  public synchronized void shutdown() {
    if (file != null) {
      file.close();
      file = null;
    }
    started = false;
  }
}
