package dev.skein.components.jaegerexporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.TlsKeyPair;
import dev.skein.components.jaegerreceiver.JaegerReceiverFactory;
import dev.skein.jaeger.JaegerFixtures;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.jaeger.proto.Collector.PostSpansResponse;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.config.ConfigBinder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender against Skein's own {@code jaeger} receiver, started here on free loopback ports:
 * spans go out as Jaeger and must come back as the same OTLP.
 */
class JaegerSenderTest {
  private static final Host HOST = Map::of;

  // Armeria servers take seconds to stop, so the receivers are shared by the whole class.
  private static final List<ResourceSpans> RECEIVED = new CopyOnWriteArrayList<>();
  private static volatile Function<Traces, CompletableFuture<Void>> pipeline;
  private static Component plain;
  private static int plainPort;
  private static Component tls;
  private static int tlsPort;
  private static Path certFile;

  private JaegerSender sender;

  @BeforeAll
  static void startReceivers(@TempDir Path dir) throws Exception {
    TlsKeyPair keyPair = TlsKeyPair.ofSelfSigned("localhost");
    certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, pem("CERTIFICATE", keyPair.certificateChain().get(0).getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", keyPair.privateKey().getEncoded()));

    plainPort = freePort();
    plain = receiver("{'endpoint': '127.0.0.1:" + plainPort + "'}");
    tlsPort = freePort();
    tls = receiver("{'endpoint': '127.0.0.1:" + tlsPort + "', 'tls': {'cert_file': '" + certFile
        + "', 'key_file': '" + keyFile + "'}}");
  }

  @AfterAll
  static void stopReceivers() {
    plain.shutdown();
    tls.shutdown();
  }

  @BeforeEach
  void reset() {
    RECEIVED.clear();
    pipeline = traces -> CompletableFuture.completedFuture(null);
  }

  @AfterEach
  void stopSender() {
    if (sender != null) {
      sender.shutdown();
    }
  }

  @Test
  void spansComeBackAsTheSameOtlp() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");
    Traces traces = JaegerFixtures.everyCarriedField();

    sender.send(traces).get(30, TimeUnit.SECONDS);

    // One request per resource; they may arrive in either order.
    assertThat(RECEIVED).containsExactlyInAnyOrderElementsOf(traces.resourceSpans());
  }

  @Test
  void compressesWithGzipWhenAsked() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'compression': 'gzip', 'tls': {'insecure': true}}");
    Traces traces = JaegerFixtures.everyCarriedField();

    sender.send(traces).get(30, TimeUnit.SECONDS);

    assertThat(RECEIVED).containsExactlyInAnyOrderElementsOf(traces.resourceSpans());
  }

  @Test
  void anEmptyBatchSendsNothing() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");

    sender.send(Traces.empty()).get(30, TimeUnit.SECONDS);

    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void aRetryableReceiverFailureIsRetryableWithTheServersDelay() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(
        new PipelineException(PipelineException.Kind.RETRYABLE, "storage is busy", Duration.ofSeconds(7), null));
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(e.getMessage()).isEqualTo("sending to the Jaeger collector at 127.0.0.1:" + plainPort
        + " failed: UNAVAILABLE: storage is busy");
  }

  @Test
  void aPermanentReceiverFailureIsPermanent() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(PipelineException.permanent("disk is read-only", null));
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    assertThat(e.getMessage()).endsWith("failed: INTERNAL: disk is read-only");
  }

  @Test
  void aPermanentFailureOfOneRequestWinsOverARetryableOne() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(traces.resourceSpans().get(0).hasResource()
        ? PipelineException.retryable("busy", null) : PipelineException.permanent("refused", null));
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    assertThat(e.getMessage()).endsWith("failed: INTERNAL: refused");
  }

  @Test
  void aRequestOverTheReceiversLimitIsPermanent() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'tls': {'insecure': true}}");
    Traces big = Traces.of(List.of(JaegerFixtures.everyCarriedField().resourceSpans().get(0).toBuilder()
        .setScopeSpans(0, JaegerFixtures.everyCarriedField().resourceSpans().get(0).getScopeSpans(0).toBuilder()
            .setSpans(0, JaegerFixtures.everyCarriedField().resourceSpans().get(0).getScopeSpans(0).getSpans(0)
                .toBuilder().setName("x".repeat(5 * 1024 * 1024))))
        .build()));

    PipelineException e = failure(sender.send(big));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    assertThat(e.getMessage()).contains("failed: RESOURCE_EXHAUSTED");
  }

  @Test
  void aRequestPastTheTimeoutIsRetryable() throws Exception {
    CompletableFuture<Void> never = new CompletableFuture<>();
    pipeline = traces -> never;
    sender = sender("{'endpoint': '127.0.0.1:" + plainPort + "', 'timeout': '200ms', 'tls': {'insecure': true}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));
    never.complete(null);

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
    assertThat(e.getMessage()).contains("failed: DEADLINE_EXCEEDED");
  }

  @Test
  void aCollectorThatIsDownIsRetryable() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + freePort() + "', 'tls': {'insecure': true}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
    assertThat(e.getMessage()).contains("failed: UNAVAILABLE");
  }

  @Test
  void sendsOverTlsTrustingTheConfiguredCa() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + tlsPort + "', 'tls': {'ca_file': '" + certFile
        + "', 'server_name_override': 'localhost'}}");
    Traces traces = JaegerFixtures.everyCarriedField();

    sender.send(traces).get(30, TimeUnit.SECONDS);

    assertThat(RECEIVED).containsExactlyInAnyOrderElementsOf(traces.resourceSpans());
  }

  @Test
  void sendsOverTlsWithoutVerifyingWhenAsked() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + tlsPort + "', 'tls': {'insecure_skip_verify': true}}");

    sender.send(JaegerFixtures.everyCarriedField()).get(30, TimeUnit.SECONDS);

    assertThat(RECEIVED).hasSize(2);
  }

  @Test
  void refusesAServerCertificateItDoesNotTrust() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + tlsPort + "', 'tls': {'server_name_override': 'localhost'}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
    assertThat(e.getMessage())
        .endsWith("failed: UNAVAILABLE: io exception (unable to find valid certification path to requested target)");
    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void refusesACertificateForAnotherName() throws Exception {
    sender = sender("{'endpoint': '127.0.0.1:" + tlsPort + "', 'tls': {'ca_file': '" + certFile
        + "', 'server_name_override': 'jaeger.example'}}");

    PipelineException e = failure(sender.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.getMessage())
        .endsWith("failed: UNAVAILABLE: io exception (No subject alternative DNS name matching jaeger.example found.)");
    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void anUnreadableCaFileFailsTheStartNamingTheKey() {
    JaegerSender s = new JaegerSender(config("{'endpoint': '127.0.0.1:1', 'tls': {'ca_file': '/nonexistent/ca.pem'}}"));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.start(HOST))
        .isInstanceOf(IOException.class)
        .hasMessage("tls::ca_file: \"/nonexistent/ca.pem\" cannot be read (expected: a readable PEM file)");
  }

  @Test
  void sendingBeforeStartFailsPermanently() {
    JaegerSender s = new JaegerSender(config("{'endpoint': '127.0.0.1:1'}"));

    PipelineException e = failure(s.send(JaegerFixtures.everyCarriedField()));

    assertThat(e.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    assertThat(e.getMessage()).isEqualTo("the Jaeger sender for 127.0.0.1:1 is not started");
    s.shutdown();
  }

  /**
   * Headers and the status codes Skein's receiver never sends need a server that answers as told:
   * this is a plain grpc-java server implementing the same service, standing in for a Jaeger
   * collector.
   */
  @Test
  void sendsTheConfiguredHeadersAndClassifiesWhatAScriptedCollectorAnswers() throws Exception {
    List<Metadata> headers = new CopyOnWriteArrayList<>();
    List<Status> answers = new ArrayList<>(List.of(
        Status.OK, Status.ABORTED.withDescription("conflict"), Status.PERMISSION_DENIED.withDescription("tenant")));
    CollectorServiceGrpc.CollectorServiceImplBase collector = new CollectorServiceGrpc.CollectorServiceImplBase() {
      @Override
      public void postSpans(PostSpansRequest request, StreamObserver<PostSpansResponse> observer) {
        Status answer = answers.remove(0);
        if (answer.isOk()) {
          observer.onNext(PostSpansResponse.getDefaultInstance());
          observer.onCompleted();
        } else {
          observer.onError(answer.asRuntimeException());
        }
      }
    };
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata md,
          ServerCallHandler<Q, R> next) {
        headers.add(md);
        return next.startCall(call, md);
      }
    };
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(collector, capture))
        .build()
        .start();
    try {
      sender = sender("{'endpoint': '127.0.0.1:" + server.getPort() + "', 'compression': 'gzip',"
          + " 'headers': {'X-Scope-OrgID': 'team-a'}, 'tls': {'insecure': true}}");
      Traces one = Traces.of(List.of(JaegerFixtures.everyCarriedField().resourceSpans().get(1)));

      sender.send(one).get(30, TimeUnit.SECONDS);
      PipelineException aborted = failure(sender.send(one));
      PipelineException denied = failure(sender.send(one));

      assertThat(headers).hasSize(3);
      assertThat(headers.get(0).get(Metadata.Key.of("x-scope-orgid", Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("team-a");
      assertThat(headers.get(0).get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("gzip");
      assertThat(aborted.kind()).isEqualTo(PipelineException.Kind.RETRYABLE);
      assertThat(aborted.getMessage()).endsWith("failed: ABORTED: conflict");
      assertThat(denied.kind()).isEqualTo(PipelineException.Kind.PERMANENT);
    } finally {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void resourceExhaustedWithRetryInfoFromACollectorIsOverCapacity() throws Exception {
    CollectorServiceGrpc.CollectorServiceImplBase collector = new CollectorServiceGrpc.CollectorServiceImplBase() {
      @Override
      public void postSpans(PostSpansRequest request, StreamObserver<PostSpansResponse> observer) {
        observer.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value()).setMessage("slow down")
            .addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(2)).build()))
            .build()));
      }
    };
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(collector).build().start();
    try {
      sender = sender("{'endpoint': '127.0.0.1:" + server.getPort() + "', 'tls': {'insecure': true}}");

      PipelineException e = failure(sender.send(Traces.of(List.of(
          JaegerFixtures.everyCarriedField().resourceSpans().get(1)))));

      assertThat(e.kind()).isEqualTo(PipelineException.Kind.OVER_CAPACITY);
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    } finally {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static JaegerSender sender(String json) throws Exception {
    JaegerSender s = new JaegerSender(config(json));
    s.start(HOST);
    return s;
  }

  private static JaegerExporterConfig config(String json) {
    try {
      JaegerExporterConfig c = JaegerExporterConfigTest.bind(json);
      assertThat(c.validate()).isEmpty();
      return c;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static PipelineException failure(CompletableFuture<Void> sent) {
    try {
      sent.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(PipelineException.class);
      return (PipelineException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the send succeeded (expected: a failure)");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Component receiver(String grpc) throws Exception {
    ReceiverFactory<ComponentConfig> factory = (ReceiverFactory) new JaegerReceiverFactory();
    ComponentConfig config = ConfigBinder.bind(
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            ("{'protocols': {'grpc': " + grpc + "}}").replace('\'', '"')),
        factory.createDefaultConfig(), "receivers::jaeger");
    assertThat(config.validate()).isEmpty();
    Component r = factory.createTracesReceiver(new CreateSettings(ComponentId.of("jaeger"), new Telemetry()), config,
        traces -> {
          RECEIVED.addAll(traces.resourceSpans());
          return pipeline.apply(traces);
        });
    r.start(HOST);
    return r;
  }

  /** A port that was free a moment ago, for servers whose bound port cannot be read back. */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
