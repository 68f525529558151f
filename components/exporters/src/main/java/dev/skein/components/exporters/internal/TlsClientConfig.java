package dev.skein.components.exporters.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's client {@code tls} settings that Skein supports: {@code insecure} (false),
 * {@code insecure_skip_verify} (false), {@code ca_file}, {@code cert_file} and {@code key_file}
 * (PEM; the key in PKCS#8, {@code -----BEGIN PRIVATE KEY-----}). Without {@code ca_file} the
 * server is verified against the JVM's trusted certificates.
 */
public final class TlsClientConfig {
  boolean insecure = false;
  boolean insecureSkipVerify = false;
  String caFile = "";
  String certFile = "";
  String keyFile = "";

  /** For gRPC: true turns TLS off. OTLP/HTTP decides by the endpoint's scheme instead. */
  public boolean insecure() {
    return insecure;
  }

  /** Encrypt, but accept any server certificate and host name. */
  public boolean insecureSkipVerify() {
    return insecureSkipVerify;
  }

  public String caFile() {
    return caFile;
  }

  public String certFile() {
    return certFile;
  }

  public String keyFile() {
    return keyFile;
  }

  /** Problems, each prefixed with {@code prefix} (e.g. {@code tls}). */
  public List<String> validate(String prefix) {
    List<String> errors = new ArrayList<>();
    if (certFile.isEmpty() != keyFile.isEmpty()) {
      errors.add(prefix + ": " + (certFile.isEmpty() ? "key_file" : "cert_file")
          + " is set alone (expected: cert_file and key_file together)");
    }
    readable(errors, prefix + "::ca_file", caFile);
    readable(errors, prefix + "::cert_file", certFile);
    readable(errors, prefix + "::key_file", keyFile);
    return errors;
  }

  private static void readable(List<String> errors, String key, String file) {
    if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
      errors.add(key + ": \"" + file + "\" cannot be read (expected: a readable PEM file)");
    }
  }
}
