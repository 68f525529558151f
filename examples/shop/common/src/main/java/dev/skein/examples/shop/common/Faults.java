package dev.skein.examples.shop.common;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The faults the gateway can switch on. They travel with each request in the {@link #HEADER}
 * header, a comma-separated list of {@link Fault#token}s, so that the service that plays a fault
 * does so for exactly the requests the gateway chose; order-service passes the header on.
 */
public final class Faults {
  public static final String HEADER = "X-Shop-Faults";

  private Faults() {}

  /** One fault, with the token that names it in the header. */
  public enum Fault {
    /** inventory's item query also runs {@code pg_sleep(0.8)}. */
    SLOW_INVENTORY("slow-inventory"),
    /** payment's card authorization takes 1,200 ms, past order-service's 1 s client timeout. */
    PAYMENT_TIMEOUT("payment-timeout"),
    /** payment's card network fails, which payment answers with 503. */
    PAYMENT_ERROR("payment-error");

    public final String token;

    Fault(String token) {
      this.token = token;
    }
  }

  /** The faults named in a header value; unknown tokens are ignored, {@code null} is none. */
  public static Set<Fault> parse(String header) {
    Set<Fault> out = EnumSet.noneOf(Fault.class);
    if (header == null) {
      return out;
    }
    for (String token : header.split(",")) {
      String t = token.trim().toLowerCase(Locale.ROOT);
      for (Fault f : Fault.values()) {
        if (f.token.equals(t)) {
          out.add(f);
        }
      }
    }
    return out;
  }

  /** The header value naming {@code faults}, or {@code null} for none. */
  public static String format(Set<Fault> faults) {
    if (faults.isEmpty()) {
      return null;
    }
    List<String> tokens = new ArrayList<>();
    faults.forEach(f -> tokens.add(f.token));
    return String.join(",", tokens);
  }
}
