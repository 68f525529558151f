package dev.skein.components.bearertokenauth;

import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The Collector-contrib {@code bearertokenauth} extension's settings, with its defaults. */
final class BearerTokenAuthConfig implements ComponentConfig {
  /** RFC 9110's token: the characters a header name or an auth scheme may hold. */
  static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

  /** The header that carries the credential. */
  String header = "Authorization";
  /** The auth scheme before the token; empty means the header holds the bare token. */
  String scheme = "Bearer";
  /** The one accepted token. */
  String token = "";
  /** Several accepted tokens, e.g. an old and a new one while clients rotate. */
  List<String> tokens = new ArrayList<>();
  /** A file with the accepted tokens, one a line; when set, {@code token} and {@code tokens} are ignored. */
  String filename = "";
  /**
   * Tokens that belong to a tenant (Skein's addition): with multitenancy on, a request with one
   * of them is that tenant's, whatever its X-Scope-OrgID header says. They are accepted besides
   * the other tokens.
   */
  List<TenantToken> tenants = new ArrayList<>();

  /** One tenant's token. */
  static final class TenantToken {
    String tenant = "";
    String token = "";
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (!TOKEN.matcher(header).matches()) {
      errors.add("header: \"" + header + "\" (expected: a header name, e.g. Authorization)");
    }
    if (!scheme.isEmpty() && !TOKEN.matcher(scheme).matches()) {
      errors.add("scheme: \"" + scheme + "\" (expected: an auth scheme without spaces, e.g. Bearer, or \"\")");
    }
    if (token.isEmpty() && tokens.isEmpty() && filename.isEmpty() && tenants.isEmpty()) {
      errors.add("token, tokens, filename, tenants: none set (expected: one of them)");
    }
    for (int i = 0; i < tenants.size(); i++) {
      TenantToken t = tenants.get(i);
      if (t == null) {
        errors.add("tenants[" + i + "]: empty (expected: tenant and token)");
        continue;
      }
      String problem = dev.skein.model.Tenants.problem(t.tenant);
      if (problem != null) {
        errors.add("tenants[" + i + "]::tenant: " + problem);
      }
      if (t.token.isBlank()) {
        errors.add("tenants[" + i + "]::token: empty (expected: a token)");
      } else if (!t.token.equals(t.token.strip())) {
        errors.add("tenants[" + i + "]::token: starts or ends with whitespace (expected: the token alone)");
      }
    }
    if (!token.isEmpty() && !tokens.isEmpty()) {
      errors.add("token, tokens: both set (expected: one of them)");
    }
    // Values are secrets: a message names the position, never the value.
    if (!token.isEmpty() && !token.equals(token.strip())) {
      errors.add("token: starts or ends with whitespace (expected: the token alone)");
    }
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t == null || t.isBlank()) {
        errors.add("tokens[" + i + "]: empty (expected: a token)");
      } else if (!t.equals(t.strip())) {
        errors.add("tokens[" + i + "]: starts or ends with whitespace (expected: the token alone)");
      }
    }
    return errors;
  }
}
