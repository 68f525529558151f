package dev.skein.pipeline.server.testing;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real certificates for TLS tests, made with the JDK's {@code keytool}: a CA, a server
 * certificate it signs for {@code localhost} and {@code 127.0.0.1}, a client certificate it signs,
 * and a client certificate signed by another CA. Every file is PEM; keys are PKCS#8.
 */
public final class TestTls {
  private static final char[] PASSWORD = "changeit".toCharArray();

  /** The CA's certificate: what clients trust, and {@code client_ca_file}. */
  public final Path caFile;
  /** The server's certificate chain, for {@code cert_file}. */
  public final Path serverCertFile;
  /** The server's key, for {@code key_file}. */
  public final Path serverKeyFile;
  /** A client certificate the CA signed, and its key. */
  public final Path clientCertFile;
  public final Path clientKeyFile;
  /** A client certificate another CA signed, and its key. */
  public final Path strangerCertFile;
  public final Path strangerKeyFile;

  private TestTls(Path dir) {
    this.caFile = dir.resolve("ca.pem");
    this.serverCertFile = dir.resolve("server.pem");
    this.serverKeyFile = dir.resolve("server-key.pem");
    this.clientCertFile = dir.resolve("client.pem");
    this.clientKeyFile = dir.resolve("client-key.pem");
    this.strangerCertFile = dir.resolve("stranger.pem");
    this.strangerKeyFile = dir.resolve("stranger-key.pem");
  }

  /** Makes every certificate and key in {@code dir}. */
  public static TestTls create(Path dir) {
    TestTls t = new TestTls(dir);
    try {
      t.issue(dir, "ca", null, "CN=Skein Test CA", "bc:c");
      t.issue(dir, "server", "ca", "CN=localhost", "san=dns:localhost,ip:127.0.0.1");
      t.issue(dir, "client", "ca", "CN=test-client", "eku=clientAuth");
      t.issue(dir, "otherca", null, "CN=Another CA", "bc:c");
      t.issue(dir, "stranger", "otherca", "CN=stranger", "eku=clientAuth");
      Files.writeString(t.caFile, pem(dir, "ca"));
      Files.writeString(t.serverCertFile, pem(dir, "server") + pem(dir, "ca"));
      Files.writeString(t.serverKeyFile, keyPem(dir, "server"));
      Files.writeString(t.clientCertFile, pem(dir, "client") + pem(dir, "ca"));
      Files.writeString(t.clientKeyFile, keyPem(dir, "client"));
      Files.writeString(t.strangerCertFile, pem(dir, "stranger") + pem(dir, "otherca"));
      Files.writeString(t.strangerKeyFile, keyPem(dir, "stranger"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return t;
  }

  /** The bytes of {@code file}. */
  public static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A client context that trusts the CA, offers only {@code protocols} when given, and presents
   * the client certificate ({@code "client"}), the one another CA signed ({@code "stranger"}), or
   * none ({@code null}).
   */
  public SSLContext clientContext(String certificate) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", certificates(caFile).get(0));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (certificate != null) {
        Path cert = certificate.equals("client") ? clientCertFile : strangerCertFile;
        Path key = certificate.equals("client") ? clientKeyFile : strangerKeyFile;
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", privateKey(key), PASSWORD, certificates(cert).toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends a ClientHello for TLS {@code major.minor} (e.g. 3, 2 for TLS 1.1) with common cipher
   * suites and reads the server's first record. Returns the alert description when the server
   * answers with an alert (70: protocol_version), or -1 when it answers with a handshake
   * (it accepted the version).
   */
  public static int helloAlert(int port, int major, int minor) throws IOException {
    ByteArrayOutputStreamEx body = new ByteArrayOutputStreamEx();
    body.write(major);
    body.write(minor);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    body.writeBytes(random);
    body.write(0);
    // ECDHE-ECDSA with AES-GCM (TLS 1.2 only), then the CBC suites a TLS 1.1 client offers.
    int[] suites = {0xc02b, 0xc02c, 0xc009, 0xc00a, 0xc013, 0xc014, 0x002f, 0x0035};
    body.u16(suites.length * 2);
    for (int s : suites) {
      body.u16(s);
    }
    body.write(1);
    body.write(0);
    // Extensions: supported_groups (P-256) and ec_point_formats (uncompressed).
    ByteArrayOutputStreamEx ext = new ByteArrayOutputStreamEx();
    ext.u16(0x000a);
    ext.u16(4);
    ext.u16(2);
    ext.u16(0x0017);
    ext.u16(0x000b);
    ext.u16(2);
    ext.write(1);
    ext.write(0);
    // signature_algorithms (ecdsa_secp256r1_sha256), which TLS 1.2 needs for an EC certificate.
    ext.u16(0x000d);
    ext.u16(4);
    ext.u16(2);
    ext.u16(0x0403);
    body.u16(ext.size());
    body.writeBytes(ext.toByteArray());
    ByteArrayOutputStreamEx record = new ByteArrayOutputStreamEx();
    record.write(0x16);
    record.write(3);
    record.write(1);
    record.u16(body.size() + 4);
    record.write(1);
    record.write(0);
    record.u16(body.size());
    record.writeBytes(body.toByteArray());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
      OutputStream out = s.getOutputStream();
      out.write(record.toByteArray());
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int type = in.readUnsignedByte();
      if (type == 0x16) {
        return -1;
      }
      if (type != 0x15) {
        throw new IOException("unexpected TLS record type " + type);
      }
      in.readUnsignedShort();
      in.readUnsignedShort();
      in.readUnsignedByte();
      return in.readUnsignedByte();
    }
  }

  private void issue(Path dir, String alias, String signer, String dname, String ext)
      throws IOException {
    String store = dir.resolve(alias + ".p12").toString();
    keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
        "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit",
        "-ext", ext);
    if (signer == null) {
      keytool("-exportcert", "-rfc", "-alias", alias, "-keystore", store, "-storepass", "changeit",
          "-file", dir.resolve(alias + ".crt").toString());
      return;
    }
    String csr = dir.resolve(alias + ".csr").toString();
    keytool("-certreq", "-alias", alias, "-keystore", store, "-storepass", "changeit", "-file", csr);
    keytool("-gencert", "-alias", signer, "-keystore", dir.resolve(signer + ".p12").toString(),
        "-storepass", "changeit", "-infile", csr, "-outfile", dir.resolve(alias + ".crt").toString(),
        "-rfc", "-validity", "2", "-ext", ext);
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static String pem(Path dir, String alias) throws IOException {
    String s = Files.readString(dir.resolve(alias + ".crt"));
    return s.endsWith("\n") ? s : s + "\n";
  }

  private static String keyPem(Path dir, String alias) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
      ks.load(in, PASSWORD);
    }
    byte[] der = ks.getKey(alias, PASSWORD).getEncoded();
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
  }

  private static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return java.security.KeyFactory.getInstance("EC")
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
  }

  /** A byte buffer with big-endian 16-bit writes. */
  private static final class ByteArrayOutputStreamEx extends java.io.ByteArrayOutputStream {
    void u16(int v) {
      write((v >> 8) & 0xff);
      write(v & 0xff);
    }
  }
}
