package dev.skein.components.jaegerreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.bearertokenauth.BearerTokenAuthFactory;
import dev.skein.jaeger.proto.Collector.PostSpansResponse;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.server.testing.TestComponents;
import dev.skein.pipeline.server.testing.TestTls;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's {@code tls} and {@code auth} settings with grpc-java over real TLS handshakes,
 * certificates made by {@code keytool}, and the {@code bearertokenauth} extension built by its factory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JaegerReceiverSecurityTest {
  private static final String TOKEN = "jaeger-s3cret";

  @TempDir static Path dir;
  private TestTls tls;
  private Component bearer;
  private Host host;
  private final Telemetry telemetry = new Telemetry();
  private final BlockingQueue<Traces> received = new LinkedBlockingQueue<>();
  private final List<JaegerReceiver> receivers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    bearer = TestComponents.started(new BearerTokenAuthFactory(), "bearertokenauth", "token: " + TOKEN);
    host = () -> Map.of(ComponentId.of("bearertokenauth"), bearer);
    tls = TestTls.create(dir);
  }

  @AfterAll
  void tearDown() {
    for (JaegerReceiver r : receivers) {
      r.shutdown();
    }
    bearer.shutdown();
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    channels.clear();
  }

  private String serverTls(String extra) {
    return "{'cert_file': '" + tls.serverCertFile + "', 'key_file': '" + tls.serverKeyFile + "'" + extra + "}";
  }

  @Test
  void servesTlsAndRefusesTls11() throws Exception {
    JaegerReceiver r = start("'tls': " + serverTls(""));

    assertThat(post(channel(r, trusting(false)))).isEqualTo(PostSpansResponse.getDefaultInstance());
    assertThat(received).hasSize(1);
    assertThat(TestTls.helloAlert(r.activePort(), 3, 2)).as("alert protocol_version").isEqualTo(70);
  }

  @Test
  void clientCaFileAcceptsOnlyClientsWithACertificateTheCaSigned() throws Exception {
    JaegerReceiver r = start("'tls': " + serverTls(", 'client_ca_file': '" + tls.caFile + "'"));

    assertThatThrownBy(() -> post(channel(r, trusting(false)))).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(received).isEmpty();
    assertThat(post(channel(r, trusting(true)))).isEqualTo(PostSpansResponse.getDefaultInstance());
    assertThat(received).hasSize(1);
  }

  @Test
  void bearerTokenAuthRefusesACallWithoutTheToken() throws Exception {
    JaegerReceiver r = start("'auth': {'authenticator': 'bearertokenauth'}");
    ManagedChannel c = channel(r, InsecureChannelCredentials.create());

    assertThatThrownBy(() -> post(c)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).isEqualTo("missing Authorization header");
    });
    assertThatThrownBy(() -> post(c, "authorization", "Bearer guess"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(received).isEmpty();
    assertThat(telemetry.counters().get(new Telemetry.Key("otelcol_receiver_unauthenticated_requests",
        "receiver", "jaeger"))).isEqualTo(2L);

    assertThat(post(c, "authorization", "Bearer " + TOKEN)).isEqualTo(PostSpansResponse.getDefaultInstance());
    assertThat(received).hasSize(1);
  }

  @Test
  void validationNamesTheKeys() throws Exception {
    assertThat(JaegerReceiverConfigTest.bind("{'protocols': {'grpc': {'max_concurrent_streams': -1, 'tls': "
        + serverTls(", 'max_version': '1.0'") + ", 'auth': {}}}}").validate()).containsExactly(
        "protocols::grpc::max_concurrent_streams: -1 (expected: >= 0)",
        "protocols::grpc::tls::max_version: \"1.0\" (expected: \"1.2\" or \"1.3\";"
            + " TLS 1.0 and 1.1 are not secure and not served)",
        "protocols::grpc::auth::authenticator: missing (expected: the ID of an authenticator extension,"
            + " e.g. bearertokenauth or basicauth/otlp)");
  }

  @Test
  void aMissingAuthenticatorFailsTheStartNamingTheKey() throws Exception {
    JaegerReceiver r = create("'auth': {'authenticator': 'basicauth'}");

    assertThatThrownBy(() -> r.start(host)).isInstanceOf(IllegalStateException.class)
        .hasMessage("protocols::grpc::auth::authenticator: extension \"basicauth\" is not configured"
            + " in service::extensions");
  }

  private ChannelCredentials trusting(boolean withClientCertificate) throws IOException {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(tls.caFile.toFile());
    if (withClientCertificate) {
      b.keyManager(tls.clientCertFile.toFile(), tls.clientKeyFile.toFile());
    }
    return b.build();
  }

  private ManagedChannel channel(JaegerReceiver r, ChannelCredentials credentials) {
    ManagedChannel c = NettyChannelBuilder.forAddress("localhost", r.activePort(), credentials).build();
    channels.add(c);
    return c;
  }

  private static PostSpansResponse post(ManagedChannel channel, String... metadata) {
    Metadata md = new Metadata();
    for (int i = 0; i + 1 < metadata.length; i += 2) {
      md.put(Metadata.Key.of(metadata[i], Metadata.ASCII_STRING_MARSHALLER), metadata[i + 1]);
    }
    return CollectorServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .postSpans(JaegerReceiverTest.request(JaegerReceiverTest.span("b7ad6b7169203331")));
  }

  private JaegerReceiver create(String grpcSettings) throws Exception {
    JaegerReceiverConfig c = JaegerReceiverConfigTest.bind(
        "{'protocols': {'grpc': {'endpoint': '127.0.0.1:0', " + grpcSettings + "}}}");
    assertThat(c.validate()).isEmpty();
    JaegerReceiver r = new JaegerReceiver(new CreateSettings(ComponentId.of("jaeger"), telemetry), c, t -> {
      received.add(t);
      return CompletableFuture.completedFuture(null);
    });
    receivers.add(r);
    return r;
  }

  private JaegerReceiver start(String grpcSettings) throws Exception {
    JaegerReceiver r = create(grpcSettings);
    r.start(host);
    return r;
  }
}
