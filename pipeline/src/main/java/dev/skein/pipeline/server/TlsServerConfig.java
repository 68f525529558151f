package dev.skein.pipeline.server;

import dev.skein.model.Nullable;
import dev.skein.pipeline.config.GoDuration;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's server {@code tls} settings ({@code configtls.ServerConfig}): the server's
 * certificate and key as files or inline PEM, {@code client_ca_file} for mutual TLS,
 * {@code min_version} (default 1.2; 1.0 and 1.1 are refused), {@code max_version} (default 1.3)
 * and {@code reload_interval}. {@code ca_file} and {@code include_system_ca_certs_pool} are
 * accepted, and have no effect on a server, as in the Collector: clients are verified against
 * {@code client_ca_file} alone.
 *
 * <p>{@link #validate} reads the files, so that a certificate that cannot be used is reported
 * with its key before any server listens.
 */
public final class TlsServerConfig {
  String certFile = "";
  String certPem = "";
  String keyFile = "";
  String keyPem = "";
  String caFile = "";
  String clientCaFile = "";
  boolean includeSystemCaCertsPool = false;
  String minVersion = "";
  String maxVersion = "";
  Duration reloadInterval = Duration.ZERO;

  /** The TLS versions Skein serves, lowest first, as the Collector spells them. */
  private static final List<String> VERSIONS = List.of("1.2", "1.3");

  /**
   * Problems, each prefixed with {@code prefix}, the YAML path of this block (e.g.
   * {@code protocols::grpc::tls}).
   */
  public List<String> validate(String prefix) {
    List<String> errors = new ArrayList<>();
    pair(errors, prefix, "cert_file", certFile, "cert_pem", certPem, "the server's PEM certificate chain");
    pair(errors, prefix, "key_file", keyFile, "key_pem", keyPem, "the PEM private key of the certificate");
    version(errors, prefix + "::min_version", minVersion);
    version(errors, prefix + "::max_version", maxVersion);
    if (errors.isEmpty() && VERSIONS.indexOf(maxVersion()) < VERSIONS.indexOf(minVersion())) {
      errors.add(prefix + "::max_version: \"" + maxVersion + "\" is below min_version \"" + minVersion
          + "\" (expected: max_version >= min_version)");
    }
    if (reloadInterval.isNegative()) {
      errors.add(prefix + "::reload_interval: " + GoDuration.format(reloadInterval) + " (expected: >= 0)");
    }
    readable(errors, prefix + "::ca_file", caFile);
    if (readable(errors, prefix + "::client_ca_file", clientCaFile) && !clientCaFile.isEmpty()) {
      try {
        clientCas(prefix);
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    if (errors.isEmpty()) {
      try {
        keyPair(prefix);
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    return errors;
  }

  /** {@code min_version}, defaulted: "1.2" or "1.3". */
  String minVersion() {
    return minVersion.isEmpty() ? "1.2" : minVersion;
  }

  /** {@code max_version}, defaulted: "1.2" or "1.3". */
  String maxVersion() {
    return maxVersion.isEmpty() ? "1.3" : maxVersion;
  }

  /** The JSSE names of the versions to serve, e.g. {@code TLSv1.3, TLSv1.2}. */
  String[] protocols() {
    List<String> out = new ArrayList<>();
    for (int i = VERSIONS.indexOf(maxVersion()); i >= VERSIONS.indexOf(minVersion()); i--) {
      out.add("TLSv" + VERSIONS.get(i));
    }
    return out.toArray(new String[0]);
  }

  /** How often the certificate and key are read again; zero when they are read once. */
  Duration reloadInterval() {
    return reloadInterval;
  }

  /** Whether clients must present a certificate signed by {@code client_ca_file}. */
  boolean mutual() {
    return !clientCaFile.isEmpty();
  }

  /**
   * The certificate and key, read now.
   *
   * @throws IllegalArgumentException naming the keys when they cannot be read or used together
   */
  com.linecorp.armeria.common.TlsKeyPair keyPair(String prefix) {
    byte[] cert = source(prefix, "cert_file", certFile, certPem);
    byte[] key = source(prefix, "key_file", keyFile, keyPem);
    String what = prefix + "::" + (certFile.isEmpty() ? "cert_pem" : "cert_file") + ", "
        + (keyFile.isEmpty() ? "key_pem" : "key_file");
    com.linecorp.armeria.common.TlsKeyPair pair;
    try {
      pair = com.linecorp.armeria.common.TlsKeyPair.of(new ByteArrayInputStream(key), new ByteArrayInputStream(cert));
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(what + ": cannot be used (expected: a PEM certificate chain and its"
          + " unencrypted PEM private key): " + cause.getMessage(), e);
    }
    if (!matches(pair)) {
      throw new IllegalArgumentException(what + ": cannot be used (expected: a PEM certificate chain and its"
          + " unencrypted PEM private key): the key does not belong to the first certificate");
    }
    return pair;
  }

  /** Whether the key signs what the first certificate's public key verifies. */
  private static boolean matches(com.linecorp.armeria.common.TlsKeyPair pair) {
    String algorithm = pair.privateKey().getAlgorithm();
    String signature = algorithm.equals("RSA") ? "SHA256withRSA"
        : algorithm.equals("EC") ? "SHA256withECDSA" : algorithm;
    try {
      byte[] probe = "skein".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(signature);
      s.initSign(pair.privateKey());
      s.update(probe);
      byte[] signed = s.sign();
      Signature v = Signature.getInstance(signature);
      v.initVerify(pair.certificateChain().get(0).getPublicKey());
      v.update(probe);
      return v.verify(signed);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The certificates of {@code client_ca_file}.
   *
   * @throws IllegalArgumentException naming the key when the file holds none
   */
  List<X509Certificate> clientCas(String prefix) {
    String key = prefix + "::client_ca_file";
    byte[] pem = source(prefix, "client_ca_file", clientCaFile, "");
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(key + ": \"" + clientCaFile + "\" holds no certificate"
            + " (expected: PEM certificates)");
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(key + ": \"" + clientCaFile + "\" is not a PEM certificate: "
          + e.getMessage(), e);
    }
  }

  private static byte[] source(String prefix, String fileKey, String file, String pem) {
    if (file.isEmpty()) {
      return pem.getBytes(StandardCharsets.US_ASCII);
    }
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(prefix + "::" + fileKey + ": \"" + file + "\" cannot be read: " + e, e);
    }
  }

  private static void pair(List<String> errors, String prefix, String fileKey, String file, String pemKey,
      String pem, String what) {
    if (file.isEmpty() && pem.isEmpty()) {
      errors.add(prefix + "::" + fileKey + ": missing (expected: " + fileKey + " or " + pemKey + ", " + what + ")");
    } else if (!file.isEmpty() && !pem.isEmpty()) {
      errors.add(prefix + "::" + pemKey + ": set together with " + fileKey + " (expected: one of them)");
    } else {
      readable(errors, prefix + "::" + fileKey, file);
    }
  }

  private static void version(List<String> errors, String key, String value) {
    if (value.isEmpty() || VERSIONS.contains(value)) {
      return;
    }
    String why = value.equals("1.0") || value.equals("1.1")
        ? "; TLS 1.0 and 1.1 are not secure and not served" : "";
    errors.add(key + ": \"" + value + "\" (expected: \"1.2\" or \"1.3\"" + why + ")");
  }

  /** Adds an error when {@code file} is set and cannot be read; returns whether it can. */
  private static boolean readable(List<String> errors, String key, @Nullable String file) {
    if (file != null && !file.isEmpty() && !Files.isReadable(Path.of(file))) {
      errors.add(key + ": \"" + file + "\" cannot be read (expected: a readable PEM file)");
      return false;
    }
    return true;
  }
}
