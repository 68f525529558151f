package dev.skein.components.tailsampling;

import com.google.protobuf.ByteString;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Samples a fixed share of traces by hashing the salt and the trace ID with 64-bit FNV-1a, exactly
 * as the Collector does, so that a Skein and a Collector with the same salt and percentage keep
 * the same traces.
 */
final class ProbabilisticPolicy implements Policy {
  /** The Collector's salt when none is configured. */
  static final String DEFAULT_SALT = "default-hash-seed";
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private static final BigDecimal MAX_UINT64 = new BigDecimal("18446744073709551615");
  private static final BigDecimal TWO_POW_63 = new BigDecimal("9223372036854775808");

  private final byte[] salt;
  private final long threshold;

  ProbabilisticPolicy(String hashSalt, double samplingPercentage) {
    this.salt = (hashSalt.isEmpty() ? DEFAULT_SALT : hashSalt).getBytes(StandardCharsets.UTF_8);
    this.threshold = threshold(samplingPercentage / 100);
  }

  @Override
  public Decision evaluate(TraceData trace) {
    return Long.compareUnsigned(hash(salt, trace.traceId()), threshold) <= 0
        ? Decision.SAMPLED : Decision.NOT_SAMPLED;
  }

  /**
   * Returns {@code ratio} of the unsigned 64-bit range. Go computes it in a 64-bit-mantissa float
   * and truncates; above 2^63 that mantissa has no fraction bits left, so it rounds to the nearest
   * integer there and rounds down below.
   */
  static long threshold(double ratio) {
    if (!(ratio > 0)) {
      return 0;
    }
    BigDecimal exact = MAX_UINT64.multiply(new BigDecimal(ratio));
    if (exact.compareTo(MAX_UINT64) >= 0) {
      return -1L;
    }
    RoundingMode mode = exact.compareTo(TWO_POW_63) >= 0 ? RoundingMode.HALF_EVEN : RoundingMode.FLOOR;
    return exact.setScale(0, mode).toBigInteger().longValue();
  }

  /** 64-bit FNV-1a over {@code salt} followed by {@code id}. */
  static long hash(byte[] salt, ByteString id) {
    long h = FNV_OFFSET;
    for (byte b : salt) {
      h ^= b & 0xff;
      h *= FNV_PRIME;
    }
    for (int i = 0; i < id.size(); i++) {
      h ^= id.byteAt(i) & 0xff;
      h *= FNV_PRIME;
    }
    return h;
  }
}
