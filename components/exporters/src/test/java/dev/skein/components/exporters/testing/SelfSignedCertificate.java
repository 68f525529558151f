package dev.skein.components.exporters.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate and key in PEM files, made by the JDK's {@code keytool} (the JDK has no API that
 * signs certificates), for servers in tests.
 */
public record SelfSignedCertificate(Path certFile, Path keyFile) {
  /** Creates one in {@code dir} for {@code host}, valid for the DNS name or IP address {@code san}. */
  public static SelfSignedCertificate create(Path dir, String name, String host, String san) throws Exception {
    Path keystore = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=" + host, "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    Key key = ks.getKey("server", "changeit".toCharArray());
    Certificate cert = ks.getCertificate("server");
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.write(certFile, pem("CERTIFICATE", cert.getEncoded()));
    Files.write(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    return new SelfSignedCertificate(certFile, keyFile);
  }

  private static List<String> pem(String type, byte[] der) {
    return List.of("-----BEGIN " + type + "-----",
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der),
        "-----END " + type + "-----");
  }
}
