package dev.skein.components.kafka.internal;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.config.GoDuration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The connection settings the Collector-contrib kafka exporter and receiver share
 * ({@code configkafka.ClientConfig}): {@code brokers} (localhost:9092), {@code client_id}
 * (otel-collector), {@code protocol_version} (accepted; the Java client negotiates versions itself),
 * {@code resolve_canonical_bootstrap_servers_only}, {@code tls}, {@code auth::sasl} (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512), {@code auth::plain_text} and {@code metadata}.
 *
 * <p>Subclasses add the exporter's and the receiver's own keys; {@link #clientProperties()} turns
 * these into Kafka client properties.
 */
public class KafkaClientSettings {
  List<String> brokers = new ArrayList<>(List.of("localhost:9092"));
  String protocolVersion = "";
  boolean resolveCanonicalBootstrapServersOnly = false;
  String clientId = "otel-collector";
  @JsonSetter(nulls = Nulls.AS_EMPTY)
  @Nullable TlsSettings tls;
  AuthSettings auth = new AuthSettings();
  MetadataSettings metadata = new MetadataSettings();

  /** The Collector's client {@code tls} settings; present means TLS unless {@code insecure} is true. */
  static final class TlsSettings {
    boolean insecure = false;
    boolean insecureSkipVerify = false;
    String caFile = "";
    String certFile = "";
    String keyFile = "";
  }

  /** {@code auth}: SASL, or the deprecated {@code plain_text} (SASL PLAIN). */
  static final class AuthSettings {
    @Nullable SaslSettings sasl;
    @Nullable PlainTextSettings plainText;
  }

  static final class SaslSettings {
    String username = "";
    String password = "";
    String mechanism = "";
    /** Accepted for compatibility: the Java client speaks the version the broker asks for. */
    int version = 0;
  }

  static final class PlainTextSettings {
    String username = "";
    String password = "";
  }

  static final class MetadataSettings {
    /** Accepted for compatibility: the Java client only fetches metadata of the topics it uses. */
    boolean full = false;
    Duration refreshInterval = Duration.ofMinutes(10);
    RetrySettings retry = new RetrySettings();
  }

  static final class RetrySettings {
    /** Accepted for compatibility: the Java client retries until its request and delivery timeouts. */
    int max = 3;
    Duration backoff = Duration.ofMillis(250);
  }

  private static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  /** The brokers to bootstrap from. */
  public final List<String> brokers() {
    return List.copyOf(brokers);
  }

  public final String clientId() {
    return clientId;
  }

  /** Problems with the connection settings, each as {@code key: value (expected: ...)}. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (brokers.isEmpty()) {
      errors.add("brokers: empty (expected: at least one host:port, e.g. kafka-1:9092)");
    }
    for (int i = 0; i < brokers.size(); i++) {
      String b = brokers.get(i);
      int colon = b == null ? -1 : b.lastIndexOf(':');
      if (colon <= 0 || !isPort(b.substring(colon + 1))) {
        errors.add("brokers[" + i + "]: \"" + b + "\" (expected: host:port)");
      }
    }
    if (tls != null) {
      if (tls.insecureSkipVerify) {
        errors.add("tls::insecure_skip_verify: true (expected: false; the Kafka client always verifies"
            + " the brokers' certificates: give their CA in tls::ca_file)");
      }
      if (tls.certFile.isEmpty() != tls.keyFile.isEmpty()) {
        errors.add("tls: " + (tls.certFile.isEmpty() ? "key_file" : "cert_file")
            + " is set alone (expected: cert_file and key_file together)");
      }
      readable(errors, "tls::ca_file", tls.caFile);
      readable(errors, "tls::cert_file", tls.certFile);
      readable(errors, "tls::key_file", tls.keyFile);
    }
    if (auth.sasl != null && auth.plainText != null) {
      errors.add("auth: both sasl and plain_text are set (expected: one of them)");
    }
    if (auth.sasl != null) {
      SaslSettings s = auth.sasl;
      if (!MECHANISMS.contains(s.mechanism)) {
        errors.add("auth::sasl::mechanism: \"" + s.mechanism + "\" (expected: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
      }
      if (s.username.isEmpty()) {
        errors.add("auth::sasl::username: empty (expected: the user name)");
      }
      if (s.version != 0 && s.version != 1) {
        errors.add("auth::sasl::version: " + s.version + " (expected: 0 or 1)");
      }
    }
    if (auth.plainText != null && auth.plainText.username.isEmpty()) {
      errors.add("auth::plain_text::username: empty (expected: the user name)");
    }
    if (metadata.refreshInterval.isNegative() || metadata.refreshInterval.isZero()) {
      errors.add("metadata::refresh_interval: " + GoDuration.format(metadata.refreshInterval) + " (expected: > 0)");
    }
    if (metadata.retry.backoff.isNegative()) {
      errors.add("metadata::retry::backoff: " + GoDuration.format(metadata.retry.backoff) + " (expected: >= 0)");
    }
    if (metadata.retry.max < 0) {
      errors.add("metadata::retry::max: " + metadata.retry.max + " (expected: >= 0)");
    }
    return errors;
  }

  /**
   * The Kafka client properties of these settings: bootstrap servers, client ID, security protocol,
   * TLS and SASL.
   *
   * @throws IllegalStateException naming the file when a TLS file cannot be read
   */
  public final Map<String, Object> clientProperties() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("bootstrap.servers", String.join(",", brokers));
    p.put("client.id", clientId);
    p.put("client.dns.lookup", resolveCanonicalBootstrapServersOnly
        ? "resolve_canonical_bootstrap_servers_only" : "use_all_dns_ips");
    p.put("metadata.max.age.ms", metadata.refreshInterval.toMillis());
    p.put("retry.backoff.ms", metadata.retry.backoff.toMillis());
    boolean ssl = tls != null && !tls.insecure;
    String user = null;
    String password = null;
    String mechanism = null;
    if (auth.sasl != null) {
      user = auth.sasl.username;
      password = auth.sasl.password;
      mechanism = auth.sasl.mechanism;
    } else if (auth.plainText != null) {
      user = auth.plainText.username;
      password = auth.plainText.password;
      mechanism = "PLAIN";
    }
    if (mechanism != null) {
      p.put("security.protocol", ssl ? "SASL_SSL" : "SASL_PLAINTEXT");
      p.put("sasl.mechanism", mechanism);
      String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put("sasl.jaas.config", module + " required username=\"" + jaasQuote(user) + "\" password=\""
          + jaasQuote(password) + "\";");
    } else {
      p.put("security.protocol", ssl ? "SSL" : "PLAINTEXT");
    }
    if (ssl) {
      if (!tls.caFile.isEmpty()) {
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.certificates", read("tls::ca_file", tls.caFile));
      }
      if (!tls.certFile.isEmpty()) {
        p.put("ssl.keystore.type", "PEM");
        p.put("ssl.keystore.certificate.chain", read("tls::cert_file", tls.certFile));
        p.put("ssl.keystore.key", read("tls::key_file", tls.keyFile));
      }
    }
    return p;
  }

  /** Escapes a value for a double-quoted JAAS option, whose parser reads backslash escapes. */
  static String jaasQuote(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String read(String key, String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(key + ": \"" + file + "\" cannot be read: " + e.getMessage(), e);
    }
  }

  private static void readable(List<String> errors, String key, String file) {
    if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
      errors.add(key + ": \"" + file + "\" cannot be read (expected: a readable PEM file)");
    }
  }

  private static boolean isPort(String s) {
    try {
      int port = Integer.parseInt(s);
      return port > 0 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
