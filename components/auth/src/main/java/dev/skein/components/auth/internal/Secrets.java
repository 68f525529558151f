package dev.skein.components.auth.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Comparing secrets without telling an attacker how close a guess came. Both sides are hashed to
 * SHA-256 first, so that the comparison takes the same time whatever the lengths, and only
 * digests of the expected secrets need to stay in memory.
 */
public final class Secrets {
  private Secrets() {}

  /** The SHA-256 digest of {@code secret}'s UTF-8 bytes. */
  public static byte[] digest(String secret) {
    return digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /** The SHA-256 digest of {@code secret}. */
  public static byte[] digest(byte[] secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Whether two byte strings are equal, in time that depends only on {@code presented}'s length. */
  public static boolean equal(byte[] presented, byte[] expected) {
    return MessageDigest.isEqual(presented, expected);
  }

  /**
   * Whether {@code presented}'s digest equals any of {@code expectedDigests}. Every candidate is
   * compared, so the time taken does not tell which one matched, or whether one did.
   */
  public static boolean matchesAny(String presented, Iterable<byte[]> expectedDigests) {
    byte[] d = digest(presented);
    boolean match = false;
    for (byte[] expected : expectedDigests) {
      match |= MessageDigest.isEqual(d, expected);
    }
    return match;
  }
}
