package dev.skein.components.exporters.internal;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Turns {@link TlsClientConfig} into the JDK's key and trust managers. */
public final class Tls {
  private static final Pattern PEM_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Tls() {}

  /**
   * The trust managers {@code config} asks for, or null for the JVM's defaults.
   *
   * @throws IOException naming the file that cannot be read or parsed
   */
  public static @Nullable TrustManager[] trustManagers(TlsClientConfig config) throws IOException {
    requireNonNull(config, "config");
    if (config.insecureSkipVerify) {
      return new TrustManager[] {new TrustEverything()};
    }
    if (config.caFile.isEmpty()) {
      return null;
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates(config.caFile, "tls::ca_file")) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      return f.getTrustManagers();
    } catch (GeneralSecurityException e) {
      throw new IOException("tls::ca_file: \"" + config.caFile + "\" cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * The key managers for a client certificate, or null when none is configured.
   *
   * @throws IOException naming the file that cannot be read or parsed
   */
  public static @Nullable KeyManager[] keyManagers(TlsClientConfig config) throws IOException {
    requireNonNull(config, "config");
    if (config.certFile.isEmpty()) {
      return null;
    }
    List<Certificate> chain = certificates(config.certFile, "tls::cert_file");
    PrivateKey key = privateKey(config.keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(store, password);
      return f.getKeyManagers();
    } catch (GeneralSecurityException e) {
      throw new IOException("tls::cert_file and tls::key_file cannot be used together: " + e.getMessage(), e);
    }
  }

  /** An SSL context for {@code config}. */
  public static SSLContext sslContext(TlsClientConfig config) throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers(config), trustManagers(config), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS cannot be set up: " + e.getMessage(), e);
    }
  }

  private static List<Certificate> certificates(String file, String key) throws IOException {
    byte[] pem = read(file, key);
    try {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem));
      if (certs.isEmpty()) {
        throw new IOException(key + ": \"" + file + "\" holds no certificate (expected: PEM certificates)");
      }
      return new ArrayList<>(certs);
    } catch (GeneralSecurityException e) {
      throw new IOException(key + ": \"" + file + "\" is not a PEM certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(String file) throws IOException {
    String pem = new String(read(file, "tls::key_file"), StandardCharsets.US_ASCII);
    Matcher m = PEM_KEY.matcher(pem);
    if (!m.find()) {
      throw new IOException("tls::key_file: \"" + file + "\" holds no PKCS#8 key (expected: a PEM block"
          + " \"BEGIN PRIVATE KEY\"; convert others with: openssl pkcs8 -topk8 -nocrypt)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException("tls::key_file: \"" + file + "\" is not an RSA, EC or Ed25519 key");
  }

  private static byte[] read(String file, String key) throws IOException {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new IOException(key + ": \"" + file + "\" cannot be read: " + e.getMessage(), e);
    }
  }

  /** A trust manager for {@code insecure_skip_verify}: it accepts every certificate for any name. */
  public static X509ExtendedTrustManager trustEverything() {
    return new TrustEverything();
  }

  /**
   * Accepts every certificate for {@code insecure_skip_verify}. Being an extended trust manager is
   * what stops the JDK from checking the host name on top of it.
   */
  private static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
