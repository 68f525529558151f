package dev.skein.components.bearertokenauth;

import static dev.skein.components.auth.testing.Extensions.accepted;
import static dev.skein.components.auth.testing.Extensions.authenticator;
import static dev.skein.components.auth.testing.Extensions.eventually;
import static dev.skein.components.auth.testing.Extensions.headers;
import static dev.skein.components.auth.testing.Extensions.problems;
import static dev.skein.components.auth.testing.Extensions.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.auth.testing.Extensions;
import dev.skein.pipeline.AuthenticationException;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ServerAuthenticator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenAuthTest {
  private final BearerTokenAuthFactory factory = new BearerTokenAuthFactory();

  @TempDir
  Path dir;

  @Test
  void acceptsTheConfiguredTokenAfterTheScheme() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "bearertokenauth", "token: s3cret-token");

    assertThat(accepted(auth.authenticate(headers("Authorization", "Bearer s3cret-token"))))
        .isEqualTo(ServerAuthenticator.Client.ANONYMOUS);
    // gRPC metadata arrives in lower case; schemes are case-insensitive.
    assertThat(accepted(auth.authenticate(headers("authorization", "bearer s3cret-token")))).isNotNull();
    assertThat(accepted(auth.authenticate(headers("authorization", "Bearer   s3cret-token ")))).isNotNull();
  }

  @Test
  void aTenantsTokenAuthenticatesAsThatTenant() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "bearertokenauth",
        "token: shared-token\ntenants:\n  - {tenant: acme, token: acme-token}\n  - {tenant: globex, token: globex-token}");

    assertThat(accepted(auth.authenticate(headers("Authorization", "Bearer acme-token"))))
        .isEqualTo(new ServerAuthenticator.Client("", "acme"));
    assertThat(accepted(auth.authenticate(headers("Authorization", "Bearer globex-token"))).tenant()).isEqualTo("globex");
    assertThat(accepted(auth.authenticate(headers("Authorization", "Bearer shared-token"))))
        .isEqualTo(ServerAuthenticator.Client.ANONYMOUS);
    assertThat(refusal(auth.authenticate(headers("Authorization", "Bearer acme")))).isNotNull();

    ServerAuthenticator only = authenticator(factory, "bearertokenauth", "tenants: [{tenant: acme, token: acme-token}]");
    assertThat(accepted(only.authenticate(headers("Authorization", "Bearer acme-token"))).tenant()).isEqualTo("acme");
    assertThat(refusal(only.authenticate(headers("Authorization", "Bearer other")))).isNotNull();
  }

  @Test
  void tenantTokensAreValidated() {
    assertThat(problems(factory, "extensions", "tenants: [{tenant: ../x, token: t}, {tenant: ok, token: ''}]"))
        .containsExactly("extensions::bearertokenauth::tenants[0]::tenant: tenant ID: \"../x\" has the character '/'"
            + " at index 2 (expected: only a-z, A-Z, 0-9 and ! - _ . * ' ( ))",
            "extensions::bearertokenauth::tenants[1]::token: empty (expected: a token)");
  }

  @Test
  void refusesWithoutRepeatingTheToken() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "bearertokenauth/otlp", "token: s3cret-token");

    AuthenticationException missing = refusal(auth.authenticate(headers()));
    assertThat(missing).hasMessage("missing Authorization header");
    assertThat(missing.challenge()).isEqualTo("Bearer realm=\"bearertokenauth/otlp\"");

    AuthenticationException wrong = refusal(auth.authenticate(headers("authorization", "Bearer guessed-token")));
    assertThat(wrong).hasMessage("Authorization header: the Bearer token is not one of the accepted tokens");
    assertThat(wrong.getMessage()).doesNotContain("guessed").doesNotContain("s3cret");
    assertThat(wrong.challenge()).isEqualTo("Bearer realm=\"bearertokenauth/otlp\", error=\"invalid_token\"");

    assertThat(refusal(auth.authenticate(headers("authorization", "Basic s3cret-token"))))
        .hasMessage("Authorization header: expected the Bearer scheme");
    assertThat(refusal(auth.authenticate(headers("authorization", "s3cret-token"))))
        .hasMessage("Authorization header: expected the Bearer scheme");
    assertThat(refusal(auth.authenticate(headers("authorization", "Bearer s3cret-token-and-more")))).isNotNull();
    assertThat(refusal(auth.authenticate(headers("authorization", "Bearer s3cret-toke")))).isNotNull();
    assertThat(refusal(auth.authenticate(headers("authorization", "Bearer")))).isNotNull();
  }

  @Test
  void acceptsEachOfSeveralTokens() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "bearertokenauth", "tokens: [old-token, new-token]");

    assertThat(accepted(auth.authenticate(headers("authorization", "Bearer old-token")))).isNotNull();
    assertThat(accepted(auth.authenticate(headers("authorization", "Bearer new-token")))).isNotNull();
    assertThat(refusal(auth.authenticate(headers("authorization", "Bearer other-token")))).isNotNull();
  }

  @Test
  void readsAnotherHeaderWithAnotherScheme() throws Exception {
    ServerAuthenticator bare = authenticator(factory, "bearertokenauth", "header: X-Api-Key\nscheme: \"\"\ntoken: k1");
    assertThat(accepted(bare.authenticate(headers("x-api-key", "k1")))).isNotNull();
    assertThat(refusal(bare.authenticate(headers("authorization", "Bearer k1"))))
        .hasMessage("missing X-Api-Key header");

    ServerAuthenticator custom = authenticator(factory, "bearertokenauth", "scheme: Token\ntoken: k2");
    assertThat(accepted(custom.authenticate(headers("Authorization", "Token k2")))).isNotNull();
    AuthenticationException e = refusal(custom.authenticate(headers("Authorization", "Bearer k2")));
    assertThat(e).hasMessage("Authorization header: expected the Token scheme");
    assertThat(e.challenge()).startsWith("Token realm=");
  }

  @Test
  void readsTheTokensFromAFileAndAgainWhenItChanges() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "first-token\n\n  second-token  \n");
    Component c = Extensions.extension(factory, "bearertokenauth", "filename: " + file + "\ntoken: ignored");
    ServerAuthenticator auth = (ServerAuthenticator) c;
    try {
      // Before it starts, nothing is read and everyone is refused.
      assertThat(refusal(auth.authenticate(headers("authorization", "Bearer first-token")))).isNotNull();
      c.start(Extensions.host(Map.of()));
      assertThat(accepted(auth.authenticate(headers("authorization", "Bearer first-token")))).isNotNull();
      assertThat(accepted(auth.authenticate(headers("authorization", "Bearer second-token")))).isNotNull();
      assertThat(refusal(auth.authenticate(headers("authorization", "Bearer ignored")))).isNotNull();
      assertThat(refusal(auth.authenticate(headers("authorization", "Bearer ")))).isNotNull();

      Files.writeString(file, "rotated-token\n");
      assertThat(eventually(() -> succeeds(auth, "Bearer rotated-token"), Duration.ofSeconds(15))).isTrue();
      assertThat(succeeds(auth, "Bearer first-token")).isFalse();

    } finally {
      c.shutdown();
    }
  }

  @Test
  void aFileWithoutTokensIsRefusedSoThatAReloadKeepsThePreviousOnes() {
    assertThat(BearerTokenAuth.tokensOf(" a \r\n\nb\n")).containsExactly("a", "b");
    assertThatThrownBy(() -> BearerTokenAuth.tokensOf("\n  \n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("it holds no token (expected: one token a line)");
  }

  private static boolean succeeds(ServerAuthenticator auth, String header) {
    var f = auth.authenticate(headers("authorization", header));
    return f.isDone() && !f.isCompletedExceptionally();
  }

  @Test
  void failsToStartWhenTheFileCannotBeUsed() throws Exception {
    Path missing = dir.resolve("missing");
    Component c = Extensions.extension(factory, "bearertokenauth/a", "filename: " + missing);
    assertThatThrownBy(() -> c.start(Extensions.host(Map.of())))
        .hasMessage("bearertokenauth/a: filename \"" + missing + "\": no such file");

    Path empty = dir.resolve("empty");
    Files.write(empty, " \n".getBytes(StandardCharsets.UTF_8));
    Component d = Extensions.extension(factory, "bearertokenauth/a", "filename: " + empty);
    assertThatThrownBy(() -> d.start(Extensions.host(Map.of())))
        .hasMessage("bearertokenauth/a: filename \"" + empty + "\": it holds no token (expected: one token a line)");
  }

  @Test
  void reportsConfigurationProblemsWithoutTheSecrets() {
    assertThat(problems(factory, "extensions", "scheme: Bearer")).containsExactly(
        "extensions::bearertokenauth::token, tokens, filename, tenants: none set (expected: one of them)");
    assertThat(problems(factory, "extensions", "token: a\ntokens: [b]")).containsExactly(
        "extensions::bearertokenauth::token, tokens: both set (expected: one of them)");
    assertThat(problems(factory, "extensions", "tokens: [good, \" \", \" padded-secret\"]")).containsExactly(
        "extensions::bearertokenauth::tokens[1]: empty (expected: a token)",
        "extensions::bearertokenauth::tokens[2]: starts or ends with whitespace (expected: the token alone)");
    assertThat(problems(factory, "extensions", "token: t\nheader: \"X Key\"\nscheme: \"Bear er\"")).containsExactly(
        "extensions::bearertokenauth::header: \"X Key\" (expected: a header name, e.g. Authorization)",
        "extensions::bearertokenauth::scheme: \"Bear er\" (expected: an auth scheme without spaces, e.g. Bearer,"
            + " or \"\")");
    assertThat(problems(factory, "extensions", "token: t\nfile_name: x")).singleElement().asString()
        .startsWith("extensions::bearertokenauth::file_name: unknown key");
  }
}
