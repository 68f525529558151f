package dev.skein.components.basicauth;

import dev.skein.components.auth.internal.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.Crypt;
import org.apache.commons.codec.digest.Md5Crypt;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The users of an htpasswd file, {@code user:hash} a line, in the forms Apache's {@code htpasswd}
 * writes: bcrypt ({@code $2y$}, {@code -B}), Apache MD5 ({@code $apr1$}, the default), SHA-1
 * ({@code {SHA}}, {@code -s}), SHA-256 and SHA-512 crypt ({@code $5$}, {@code $6$}, {@code -2},
 * {@code -5}), plain text ({@code -p}); also MD5 crypt ({@code $1$}) and salted SHA-1
 * ({@code {SSHA}}). Anything else is plain text, as in the Collector, so {@code htpasswd -d}'s
 * DES crypt is not recognised. Blank lines are skipped; a later line for a user replaces an
 * earlier one.
 */
final class Htpasswd {
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
  private static final Pattern CRYPT = Pattern.compile("\\$(apr1|1|5|6)\\$.+");

  /** How one user's password is checked. */
  interface Entry {
    boolean matches(byte[] password);

    /** Whether a check costs enough (milliseconds or more) to keep it off I/O threads. */
    default boolean slow() {
      return false;
    }
  }

  private final Map<String, Entry> users;

  private Htpasswd(Map<String, Entry> users) {
    this.users = users;
  }

  static final Htpasswd EMPTY = new Htpasswd(Map.of());

  /** The entry of {@code user}, or {@code null} when there is none. */
  Entry entry(String user) {
    return users.get(user);
  }

  int size() {
    return users.size();
  }

  /**
   * Parses each text in turn, so that a user in a later one replaces the same user in an earlier
   * one.
   *
   * @param sources pairs of (name, content); the name is used in messages
   * @throws IllegalArgumentException naming the source and line of a malformed line, never its
   *     content, which may hold a password
   */
  static Htpasswd parse(String... sources) {
    Map<String, Entry> users = new HashMap<>();
    for (int s = 0; s + 1 < sources.length; s += 2) {
      String name = sources[s];
      String[] lines = sources[s + 1].split("\r?\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].strip();
        if (line.isEmpty()) {
          continue;
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException(name + " line " + (i + 1) + ": "
              + (colon == 0 ? "no user name" : "no \":\"") + " (expected: user:password-hash)");
        }
        String user = line.substring(0, colon);
        String hash = line.substring(colon + 1);
        try {
          users.put(user, parseHash(hash));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(name + " line " + (i + 1) + " (user \"" + user + "\"): "
              + e.getMessage(), e);
        }
      }
    }
    return new Htpasswd(Map.copyOf(users));
  }

  static Entry parseHash(String hash) {
    if (hash.startsWith("$2")) {
      if (!BCRYPT.matcher(hash).matches()) {
        throw new IllegalArgumentException(
            "malformed bcrypt hash (expected: $2y$, two cost digits, $ and 53 characters)");
      }
      return new Bcrypt(hash);
    }
    if (CRYPT.matcher(hash).matches()) {
      return new CryptHash(hash);
    }
    if (hash.startsWith("{SHA}")) {
      byte[] digest = base64(hash.substring(5), "{SHA}");
      if (digest.length != 20) {
        throw new IllegalArgumentException("malformed {SHA} hash (expected: base64 of 20 bytes)");
      }
      return password -> Secrets.equal(sha1(password), digest);
    }
    if (hash.startsWith("{SSHA}")) {
      byte[] decoded = base64(hash.substring(6), "{SSHA}");
      if (decoded.length <= 20) {
        throw new IllegalArgumentException("malformed {SSHA} hash (expected: base64 of 20 bytes and a salt)");
      }
      byte[] digest = Arrays.copyOf(decoded, 20);
      byte[] salt = Arrays.copyOfRange(decoded, 20, decoded.length);
      return password -> Secrets.equal(sha1(concat(password, salt)), digest);
    }
    // nginx writes plain passwords with a {PLAIN} prefix.
    String plain = hash.startsWith("{PLAIN}") ? hash.substring(7) : hash;
    byte[] digest = Secrets.digest(plain);
    return password -> Secrets.equal(Secrets.digest(password), digest);
  }

  private static final class Bcrypt implements Entry {
    private final String hash;

    Bcrypt(String hash) {
      this.hash = hash;
    }

    @Override
    public boolean matches(byte[] password) {
      // bcrypt reads at most 72 bytes; BCrypt.checkpw compares without an early return.
      return BCrypt.checkpw(password, hash);
    }

    @Override
    public boolean slow() {
      return true;
    }
  }

  private static final class CryptHash implements Entry {
    private final String hash;
    private final byte[] hashBytes;

    CryptHash(String hash) {
      this.hash = hash;
      this.hashBytes = hash.getBytes(StandardCharsets.UTF_8);
      // Fails now, not at the first request, when the salt or rounds are malformed.
      compute(new byte[0]);
    }

    private String compute(byte[] password) {
      try {
        return hash.startsWith("$apr1$") ? Md5Crypt.apr1Crypt(password, hash) : Crypt.crypt(password, hash);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("malformed " + hash.substring(0, hash.indexOf('$', 1) + 1)
            + " hash (expected: $id$salt$hash)", e);
      }
    }

    @Override
    public boolean matches(byte[] password) {
      return Secrets.equal(compute(password).getBytes(StandardCharsets.UTF_8), hashBytes);
    }

    @Override
    public boolean slow() {
      return true;
    }
  }

  private static byte[] base64(String s, String form) {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed " + form + " hash (expected: base64)", e);
    }
  }

  private static byte[] sha1(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
