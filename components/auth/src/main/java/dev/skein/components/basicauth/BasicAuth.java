package dev.skein.components.basicauth;

import dev.skein.components.auth.internal.Secrets;
import dev.skein.components.auth.internal.WatchedFile;
import dev.skein.model.Nullable;
import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts requests with HTTP Basic credentials ({@code Authorization: Basic base64(user:password)})
 * that match the htpasswd users: {@code htpasswd::file}, read again when it changes, then
 * {@code htpasswd::inline}, whose users take precedence.
 *
 * <p>Slow hashes (bcrypt, the crypt forms) are checked on one thread of this extension's own,
 * never on the receiver's I/O threads, and at most {@link #MAX_WAITING_CHECKS} wait for it: a flood
 * of wrong passwords costs one core, not the receiver. A password that passed a slow check is
 * remembered as an HMAC under a key that lives only in memory, so that a client's later requests
 * cost microseconds; a reload of the users forgets them.
 */
final class BasicAuth implements Component, ServerAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(BasicAuth.class);
  static final int MAX_WAITING_CHECKS = 256;
  private static final String PREFIX = "Basic ";
  private static final String MALFORMED =
      "Authorization header: malformed Basic credentials (expected: base64 of user:password)";

  private final CreateSettings settings;
  private final BasicAuthConfig.HtpasswdConfig htpasswd;
  private final String challenge;
  private volatile Users users = new Users(Htpasswd.EMPTY);
  private @Nullable WatchedFile file;
  private volatile @Nullable ThreadPoolExecutor checker;

  BasicAuth(CreateSettings settings, BasicAuthConfig config) {
    this.settings = settings;
    this.htpasswd = config.htpasswd;
    this.challenge = "Basic realm=\"" + settings.id() + "\", charset=\"UTF-8\"";
  }

  @Override
  public synchronized void start(Host host) {
    if (checker != null) {
      return;
    }
    if (htpasswd.file.isEmpty()) {
      users = new Users(Htpasswd.parse("htpasswd::inline", htpasswd.inline));
    } else {
      String what = settings.id() + ": htpasswd::file \"" + htpasswd.file + "\"";
      file = WatchedFile.open(Path.of(htpasswd.file), what, content -> {
        users = new Users(Htpasswd.parse("htpasswd::file", content, "htpasswd::inline", htpasswd.inline));
      });
    }
    if (users.table.size() == 0) {
      log.warn("{}: htpasswd lists no user; every request will be refused", settings.id());
    }
    ThreadPoolExecutor t = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_WAITING_CHECKS), r -> {
          Thread th = new Thread(r, "skein-basicauth " + settings.id());
          th.setDaemon(true);
          return th;
        });
    checker = t;
  }

  @Override
  public CompletableFuture<Client> authenticate(Headers headers) {
    String value = headers.get("authorization");
    if (value == null || value.isBlank()) {
      return refuse("missing Authorization header");
    }
    value = value.strip();
    if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return refuse("Authorization header: expected the Basic scheme");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value.substring(PREFIX.length()).strip()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return refuse(MALFORMED);
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return refuse(MALFORMED);
    }
    String user = decoded.substring(0, colon);
    byte[] password = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
    Users u = users;
    Htpasswd.Entry entry = u.table.entry(user);
    if (entry == null) {
      return refuse(null);
    }
    if (!entry.slow()) {
      return verdict(entry.matches(password), user);
    }
    byte[] mac = u.mac(user, password);
    byte[] known = u.verified.get(user);
    if (known != null && Secrets.equal(mac, known)) {
      return verdict(true, user);
    }
    ThreadPoolExecutor t = checker;
    if (t == null) {
      return refuse("authenticator " + settings.id() + " is not running");
    }
    CompletableFuture<Client> result = new CompletableFuture<>();
    try {
      t.execute(() -> {
        try {
          if (entry.matches(password)) {
            u.verified.put(user, mac);
            result.complete(new Client(user));
          } else {
            result.completeExceptionally(refusal(null));
          }
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      return refuse("too many password checks waiting; try again later");
    }
    return result;
  }

  private CompletableFuture<Client> verdict(boolean ok, String user) {
    return ok ? CompletableFuture.completedFuture(new Client(user)) : refuse(null);
  }

  private CompletableFuture<Client> refuse(@Nullable String message) {
    return CompletableFuture.failedFuture(refusal(message));
  }

  /** A refusal saying {@code message}; without one, it does not tell a wrong user from a wrong password. */
  private AuthenticationException refusal(@Nullable String message) {
    return new AuthenticationException(message == null ? "invalid user name or password" : message, challenge);
  }

  @Override
  public synchronized void shutdown() {
    if (file != null) {
      file.close();
      file = null;
    }
    if (checker != null) {
      checker.shutdownNow();
      checker = null;
    }
  }

  /** One version of the users, with the passwords that passed a slow check since it was loaded. */
  private static final class Users {
    final Htpasswd table;
    final ConcurrentMap<String, byte[]> verified = new ConcurrentHashMap<>();
    private final SecretKeySpec key;

    Users(Htpasswd table) {
      this.table = table;
      byte[] k = new byte[32];
      new SecureRandom().nextBytes(k);
      this.key = new SecretKeySpec(k, "HmacSHA256");
    }

    byte[] mac(String user, byte[] password) {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        m.update(user.getBytes(StandardCharsets.UTF_8));
        m.update((byte) 0);
        return m.doFinal(password);
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("every Java runtime has HmacSHA256", e);
      }
    }
  }
}
