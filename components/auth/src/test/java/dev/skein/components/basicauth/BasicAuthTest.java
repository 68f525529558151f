package dev.skein.components.basicauth;

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
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BasicAuthTest {
  private final BasicAuthFactory factory = new BasicAuthFactory();

  @TempDir
  Path dir;

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The password "s3cret pass" in every form Apache's htpasswd 2.4 writes (-m, -B, -s, -p, -2, -5),
   * MD5 crypt from {@code openssl passwd -1}, and salted SHA-1 as OpenLDAP writes it.
   */
  static Stream<Arguments> hashes() {
    return Stream.of(
        Arguments.of("apr1 (htpasswd -m, the default)", "$apr1$xFY3ok14$EoGqiaeNExVHfSKrWOhhi/"),
        Arguments.of("bcrypt (htpasswd -B)", "$2y$05$/P.sel1S6l9hnB5qvrsaeey5tIlN57J6xPEFb0VGOjrayR2JCIQw2"),
        Arguments.of("SHA-1 (htpasswd -s)", "{SHA}ohgYgF2kkgMlRbH1HlEDczlOc+M="),
        Arguments.of("plain (htpasswd -p)", "s3cret pass"),
        Arguments.of("SHA-256 crypt (htpasswd -2)", "$5$jMOli0fI89vd5bc5$Wk0FoI5Bn9Sd.9qNIuU//hv5O4uD6JwThljux5GAM5."),
        Arguments.of("SHA-512 crypt (htpasswd -5)", "$6$SrYLZgVgO6oIkVWQ$TldAI91ueRnmGo9gkj3OjxOQebHjMp/RLmhQRws6D"
            + "zSnbU80rkt/KTESgzp7rBH2Hsp60Zl3/64nfQupAwKjB/"),
        Arguments.of("MD5 crypt (openssl passwd -1)", "$1$abcdefgh$yUi22Wh0AmKpErdRTSZwv1"),
        Arguments.of("salted SHA-1", "{SSHA}4btHS43PjkiQGXNheP6B9J5mmCpOYUNsNDI0Mg=="),
        Arguments.of("nginx's plain", "{PLAIN}s3cret pass"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hashes")
  void checksThePasswordInEachHtpasswdForm(String form, String hash) throws Exception {
    ServerAuthenticator auth = authenticator(factory, "basicauth", "htpasswd:\n  inline: |\n    ann:" + hash + "\n");

    assertThat(accepted(auth.authenticate(headers("Authorization", basic("ann", "s3cret pass")))).name())
        .isEqualTo("ann");
    assertThat(refusal(auth.authenticate(headers("Authorization", basic("ann", "s3cret pas")))))
        .hasMessage("invalid user name or password");
    assertThat(refusal(auth.authenticate(headers("Authorization", basic("ann", "")))))
        .hasMessage("invalid user name or password");
  }

  @Test
  void refusesAnUnknownUserAsItRefusesAWrongPassword() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "basicauth/otlp", "htpasswd: {inline: \"ann:pw\"}");

    AuthenticationException unknown = refusal(auth.authenticate(headers("authorization", basic("bob", "pw"))));
    AuthenticationException wrong = refusal(auth.authenticate(headers("authorization", basic("ann", "wrong"))));
    assertThat(unknown).hasMessage(wrong.getMessage());
    assertThat(wrong.challenge()).isEqualTo("Basic realm=\"basicauth/otlp\", charset=\"UTF-8\"");
  }

  @Test
  void saysWhatIsWrongWithTheHeader() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "basicauth", "htpasswd: {inline: \"ann:pw\"}");

    assertThat(refusal(auth.authenticate(headers()))).hasMessage("missing Authorization header");
    assertThat(refusal(auth.authenticate(headers("authorization", "Bearer abc"))))
        .hasMessage("Authorization header: expected the Basic scheme");
    assertThat(refusal(auth.authenticate(headers("authorization", "Basic !!not-base64!!"))))
        .hasMessage("Authorization header: malformed Basic credentials (expected: base64 of user:password)");
    assertThat(refusal(auth.authenticate(headers("authorization",
        "Basic " + Base64.getEncoder().encodeToString("annpw".getBytes(StandardCharsets.UTF_8))))))
        .hasMessage("Authorization header: malformed Basic credentials (expected: base64 of user:password)");
    // The scheme is case-insensitive, and a password may hold colons.
    ServerAuthenticator colon = authenticator(factory, "basicauth", "htpasswd: {inline: \"ann:a:b\"}");
    assertThat(accepted(colon.authenticate(headers("authorization", "basic " + basic("ann", "a:b").substring(6)))))
        .isNotNull();
  }

  @Test
  void inlineUsersTakePrecedenceOverTheFileWhichIsReadAgainWhenItChanges() throws Exception {
    Path file = dir.resolve(".htpasswd");
    Files.writeString(file, "ann:from-file\nbob:{SHA}ohgYgF2kkgMlRbH1HlEDczlOc+M=\n");
    Component c = Extensions.extension(factory, "basicauth",
        "htpasswd:\n  file: " + file + "\n  inline: |\n    ann:from-inline\n");
    ServerAuthenticator auth = (ServerAuthenticator) c;
    c.start(Extensions.host(Map.of()));
    try {
      assertThat(accepted(auth.authenticate(headers("authorization", basic("ann", "from-inline"))))).isNotNull();
      assertThat(refusal(auth.authenticate(headers("authorization", basic("ann", "from-file"))))).isNotNull();
      assertThat(accepted(auth.authenticate(headers("authorization", basic("bob", "s3cret pass"))))).isNotNull();

      Files.writeString(file, "carol:$apr1$xFY3ok14$EoGqiaeNExVHfSKrWOhhi/\n");
      assertThat(eventually(() -> outcomeIsAccepted(auth, basic("carol", "s3cret pass")), Duration.ofSeconds(15)))
          .isTrue();
      assertThat(refusal(auth.authenticate(headers("authorization", basic("bob", "s3cret pass"))))).isNotNull();
      assertThat(accepted(auth.authenticate(headers("authorization", basic("ann", "from-inline"))))).isNotNull();
    } finally {
      c.shutdown();
    }
  }

  private static boolean outcomeIsAccepted(ServerAuthenticator auth, String header) {
    try {
      return Extensions.outcome(auth.authenticate(headers("authorization", header)))
          instanceof ServerAuthenticator.Client;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aSlowHashIsCheckedOnceAndThenRemembered() throws Exception {
    ServerAuthenticator auth = authenticator(factory, "basicauth",
        "htpasswd: {inline: \"slowpoke:$2y$05$.KqPyxTzXfYoywvSxJXVFOuM4tzvkbxK8k8dOS0aevGV48ekmmEqC\"}");
    String header = basic("slowpoke", "open sesame");

    CompletableFuture<ServerAuthenticator.Client> first = auth.authenticate(headers("authorization", header));
    assertThat(first.get(10, java.util.concurrent.TimeUnit.SECONDS).name()).isEqualTo("slowpoke");
    // Once the password passed, the next request with it is answered at once, on the caller's thread.
    CompletableFuture<ServerAuthenticator.Client> second = auth.authenticate(headers("authorization", header));
    assertThat(second).isCompleted();
    assertThat(second.join().name()).isEqualTo("slowpoke");
    // A wrong password is never remembered.
    assertThat(refusal(auth.authenticate(headers("authorization", basic("slowpoke", "open sesam"))))).isNotNull();
  }

  @Test
  void failsToStartNamingTheFileAndTheLineButNotItsContent() throws Exception {
    Path file = dir.resolve(".htpasswd");
    Files.writeString(file, "ann:pw\n\nsecret-without-colon\n");
    Component c = Extensions.extension(factory, "basicauth", "htpasswd: {file: " + file + "}");
    assertThatThrownBy(() -> c.start(Extensions.host(Map.of())))
        .hasMessage("basicauth: htpasswd::file \"" + file + "\": htpasswd::file line 3: no \":\""
            + " (expected: user:password-hash)")
        .message().doesNotContain("secret");
  }

  @Test
  void reportsConfigurationProblems() {
    assertThat(problems(factory, "extensions", "{}")).containsExactly("extensions::basicauth::htpasswd: no file or"
        + " inline users (expected: htpasswd::file, htpasswd::inline or both)");
    assertThat(problems(factory, "extensions", "htpasswd:")).containsExactly("extensions::basicauth::htpasswd: no file"
        + " or inline users (expected: htpasswd::file, htpasswd::inline or both)");
    assertThat(problems(factory, "extensions", "htpasswd:\n  inline: |\n    ann:pw\n    bob:$2y$05$short\n"))
        .containsExactly("extensions::basicauth::htpasswd::inline line 2 (user \"bob\"): malformed bcrypt hash"
            + " (expected: $2y$, two cost digits, $ and 53 characters)");
    assertThat(problems(factory, "extensions", "htpasswd: {inline: \":pw\"}"))
        .containsExactly("extensions::basicauth::htpasswd::inline line 1: no user name (expected: user:password-hash)");
    assertThat(problems(factory, "extensions", "htpasswd: {inline: \"ann:{SHA}abc\"}"))
        .containsExactly("extensions::basicauth::htpasswd::inline line 1 (user \"ann\"): malformed {SHA} hash"
            + " (expected: base64 of 20 bytes)");
    assertThat(problems(factory, "extensions", "client_auth: {username: u, password: p}\nhtpasswd: {inline: \"a:b\"}"))
        .containsExactly("extensions::basicauth::client_auth: not supported (expected: htpasswd; Skein's exporters"
            + " send credentials with their headers setting)");
  }
}
