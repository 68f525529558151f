package dev.skein.model;

/**
 * Tenant IDs, as Tempo, Mimir and Loki accept them in {@code X-Scope-OrgID}: 1 to 150 characters
 * from {@code a-z A-Z 0-9 ! - _ . * ' ( )}, and neither {@code .} nor {@code ..}. Such an ID is
 * safe as a file name, a path segment, a Kafka header and part of a Cassandra keyspace name
 * after {@link #encode}.
 */
public final class Tenants {
  /** The tenant of data that arrived without one: a single-tenant deployment. */
  public static final String NONE = "";

  /** The HTTP header (and gRPC metadata key) that names the tenant, as in Tempo. */
  public static final String HEADER = "X-Scope-OrgID";

  /** The longest tenant ID accepted. */
  public static final int MAX_LENGTH = 150;

  private Tenants() {}

  /**
   * Returns {@code tenant} if it is {@link #NONE} or a valid tenant ID.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static String check(String tenant) {
    if (tenant == null) {
      throw new IllegalArgumentException("tenant: null (expected: a tenant ID)");
    }
    if (tenant.isEmpty()) {
      return tenant;
    }
    String problem = problem(tenant);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return tenant;
  }

  /**
   * Returns why {@code tenant} is not a valid tenant ID, or null when it is. The message quotes
   * at most the first 40 characters of the value.
   */
  @Nullable
  public static String problem(String tenant) {
    if (tenant.isEmpty()) {
      return "tenant ID: empty (expected: 1 to " + MAX_LENGTH + " characters)";
    }
    if (tenant.length() > MAX_LENGTH) {
      return "tenant ID: " + tenant.length() + " characters (expected: at most " + MAX_LENGTH + ")";
    }
    if (tenant.equals(".") || tenant.equals("..")) {
      return "tenant ID: \"" + tenant + "\" (expected: not \".\" or \"..\")";
    }
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      if (!allowed(c)) {
        String shown = tenant.length() > 40 ? tenant.substring(0, 40) + "..." : tenant;
        return "tenant ID: \"" + printable(shown) + "\" has the character " + describe(c) + " at index " + i
            + " (expected: only a-z, A-Z, 0-9 and ! - _ . * ' ( ))";
      }
    }
    return null;
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!-_.*'()".indexOf(c) >= 0;
  }

  private static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }

  /**
   * Returns {@code tenant} written with only {@code a-z 0-9 _}, one-to-one: letters are lower
   * case, an upper-case letter {@code X} becomes {@code _x}, and any other character {@code _hh}
   * (its code in hex). Used where names are case-insensitive or take fewer characters, such as
   * a Cassandra keyspace or a directory on a case-insensitive file system.
   */
  public static String encode(String tenant) {
    StringBuilder b = new StringBuilder(tenant.length() + 8);
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        b.append(c);
      } else if (c >= 'A' && c <= 'Z') {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append('_').append(String.format("%02x", (int) c));
      }
    }
    return b.toString();
  }
}
