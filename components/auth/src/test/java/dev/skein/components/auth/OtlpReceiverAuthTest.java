package dev.skein.components.auth;

import static dev.skein.components.auth.testing.Extensions.freePort;
import static dev.skein.components.auth.testing.Extensions.host;
import static dev.skein.components.auth.testing.Extensions.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import dev.skein.components.auth.testing.Extensions;
import dev.skein.components.basicauth.BasicAuthFactory;
import dev.skein.components.bearertokenauth.BearerTokenAuthFactory;
import dev.skein.components.otlpreceiver.OtlpReceiverFactory;
import dev.skein.model.Traces;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.ReceiverFactory;
import dev.skein.pipeline.ServerAuthenticator;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.wire.otlp.OtlpJson;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OTLP receiver with its {@code auth} settings, over real HTTP and gRPC on free local ports,
 * with the authenticator extensions created by their factories as the configuration loader does.
 */
class OtlpReceiverAuthTest {
  private static final String TOKEN = "s3cret-token";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final Telemetry telemetry = new Telemetry();
  private static final List<Traces> received = new CopyOnWriteArrayList<>();
  private static Component bearer;
  private static Component receiver;
  private static int grpcPort;
  private static int httpPort;
  private static ManagedChannel channel;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    bearer = Extensions.extension(new BearerTokenAuthFactory(), "bearertokenauth", "token: " + TOKEN);
    bearer.start(host(Map.of()));
    grpcPort = freePort();
    httpPort = freePort();
    receiver = receiver("otlp", "protocols:\n"
        + "  grpc:\n    endpoint: 127.0.0.1:" + grpcPort + "\n    auth: {authenticator: bearertokenauth}\n"
        + "  http:\n    endpoint: 127.0.0.1:" + httpPort + "\n"
        + "    auth: {authenticator: bearertokenauth, request_params: [authorization]}\n",
        telemetry, t -> {
          received.add(t);
          return CompletableFuture.completedFuture(null);
        });
    receiver.start(host(Map.of(ComponentId.of("bearertokenauth"), bearer)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    receiver.shutdown();
    bearer.shutdown();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Component receiver(String id, String yaml, Telemetry telemetry, TracesConsumer next) throws Exception {
    ReceiverFactory factory = new OtlpReceiverFactory();
    return factory.createTracesReceiver(new CreateSettings(ComponentId.parse(id), telemetry),
        Extensions.valid(factory, "receivers", yaml), next);
  }

  static ExportTraceServiceRequest request(String name) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder().setName(name)
            .setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
            .setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
            .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_000_100_000_000L))))
        .build();
  }

  static boolean receivedSpan(String name) {
    boolean[] found = {false};
    received.forEach(t -> t.forEachSpan((r, s, span) -> found[0] |= span.getName().equals(name)));
    return found[0];
  }

  static long refused(String receiverId) {
    return telemetry.counters().getOrDefault(
        new Telemetry.Key("otelcol_receiver_unauthenticated_requests", "receiver", receiverId), 0L);
  }

  static HttpResponse<byte[]> post(int port, String query, String contentType, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces" + query))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static TraceServiceGrpc.TraceServiceBlockingStub grpc(ManagedChannel channel, String... metadata) {
    Metadata md = new Metadata();
    for (int i = 0; i + 1 < metadata.length; i += 2) {
      md.put(Metadata.Key.of(metadata[i], Metadata.ASCII_STRING_MARSHALLER), metadata[i + 1]);
    }
    return TraceServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void httpAcceptsARequestWithTheToken() throws Exception {
    HttpResponse<byte[]> r = post(httpPort, "", "application/x-protobuf", request("http-ok").toByteArray(),
        "Authorization", "Bearer " + TOKEN);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(receivedSpan("http-ok")).isTrue();
  }

  @Test
  void httpRefusesARequestWithoutTheTokenBeforeReadingIt() throws Exception {
    long before = refused("otlp");
    // Not even valid protobuf: an unauthenticated client learns nothing about the data it sent.
    HttpResponse<byte[]> r = post(httpPort, "", "application/x-protobuf", new byte[] {0x0a, (byte) 0xff, 0x01});

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"bearertokenauth\"");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
    assertThat(status.getMessage()).isEqualTo("missing Authorization header");
    assertThat(refused("otlp")).isEqualTo(before + 1);

    // Authentication comes first, even for a content type the receiver does not take.
    HttpResponse<byte[]> text = post(httpPort, "", "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
    assertThat(text.statusCode()).isEqualTo(401);
    assertThat(text.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(OtlpJson.decode(text.body(), com.google.rpc.Status.getDefaultInstance()).getCode())
        .isEqualTo(Code.UNAUTHENTICATED_VALUE);
  }

  @Test
  void httpRefusesAWrongTokenInTheRequestsContentType() throws Exception {
    HttpResponse<byte[]> r = post(httpPort, "", "application/json",
        OtlpJson.encode(request("http-wrong")), "Authorization", "Bearer guessed-token");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"bearertokenauth\", error=\"invalid_token\"");
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    com.google.rpc.Status status = OtlpJson.decode(r.body(), com.google.rpc.Status.getDefaultInstance());
    assertThat(status.getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
    assertThat(status.getMessage())
        .isEqualTo("Authorization header: the Bearer token is not one of the accepted tokens");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("guessed");
    assertThat(receivedSpan("http-wrong")).isFalse();
  }

  @Test
  void httpTakesTheTokenFromAListedQueryParameter() throws Exception {
    HttpResponse<byte[]> r = post(httpPort, "?authorization=Bearer%20" + TOKEN, "application/x-protobuf",
        request("http-query").toByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(receivedSpan("http-query")).isTrue();
    assertThat(post(httpPort, "?other=Bearer%20" + TOKEN, "application/x-protobuf", new byte[0]).statusCode())
        .isEqualTo(401);
  }

  @Test
  void grpcAcceptsACallWithTheToken() {
    grpc(channel, "authorization", "Bearer " + TOKEN).export(request("grpc-ok"));

    assertThat(receivedSpan("grpc-ok")).isTrue();
  }

  @Test
  void grpcRefusesACallWithoutTheTokenAsUnauthenticated() {
    long before = refused("otlp");
    assertThatThrownBy(() -> grpc(channel).export(request("grpc-missing")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).isEqualTo("missing Authorization header");
          assertThat(StatusProto.fromThrowable(e).getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        });
    assertThat(receivedSpan("grpc-missing")).isFalse();
    assertThat(refused("otlp")).isEqualTo(before + 1);
  }

  @Test
  void grpcRefusesAsSoonAsTheHeadersArriveWithoutWaitingForTheMessage() throws Exception {
    // The same method, called as a stream: grpc-java then sends the headers at once rather than
    // with the first message.
    MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> export =
        TraceServiceGrpc.getExportMethod().toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build();
    ClientCall<ExportTraceServiceRequest, ExportTraceServiceResponse> call =
        channel.newCall(export, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    // No message follows and the call stays open: a server that read the message before
    // authenticating would still be waiting when the deadline ends the call.
    try {
      assertThat(closed.get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    } finally {
      call.cancel("test over", null);
    }
  }

  @Test
  void grpcStillCapsTheMessageSizeOfAnAuthenticatedCall() {
    ExportTraceServiceRequest big = request("x".repeat(5 << 20));
    assertThatThrownBy(() -> grpc(channel, "authorization", "Bearer " + TOKEN).export(big))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void grpcRefusesAWrongTokenAsUnauthenticated() {
    assertThatThrownBy(() -> grpc(channel, "authorization", "Bearer guessed-token").export(request("grpc-wrong")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("Authorization header: the Bearer token is not one of the accepted tokens");
        });
    assertThat(receivedSpan("grpc-wrong")).isFalse();
  }

  @Test
  void theOpenTelemetrySdkExportsWithItsConfiguredHeader() throws Exception {
    List<SpanData> spans = spans("sdk-span");
    SpanExporter grpcGood = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
        .addHeader("Authorization", "Bearer " + TOKEN).build();
    SpanExporter httpGood = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
        .addHeader("Authorization", "Bearer " + TOKEN).build();
    SpanExporter grpcBad = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
        .addHeader("Authorization", "Bearer nope").build();
    SpanExporter httpBad = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces").build();
    for (SpanExporter e : List.of(grpcGood, httpGood, grpcBad, httpBad)) {
      closing.add(e::close);
    }

    assertThat(export(grpcGood, spans).isSuccess()).isTrue();
    assertThat(export(httpGood, spans).isSuccess()).isTrue();
    assertThat(export(grpcBad, spans).isSuccess()).isFalse();
    assertThat(export(httpBad, spans).isSuccess()).isFalse();
    assertThat(receivedSpan("sdk-span")).isTrue();
  }

  private static CompletableResultCode export(SpanExporter exporter, List<SpanData> spans) {
    return exporter.export(spans).join(10, TimeUnit.SECONDS);
  }

  /** Spans made by the SDK itself, collected as they end. */
  private static List<SpanData> spans(String name) {
    List<SpanData> out = new CopyOnWriteArrayList<>();
    SpanProcessor collect = new SpanProcessor() {
      @Override
      public void onStart(Context parentContext, ReadWriteSpan span) {}

      @Override
      public boolean isStartRequired() {
        return false;
      }

      @Override
      public void onEnd(ReadableSpan span) {
        out.add(span.toSpanData());
      }

      @Override
      public boolean isEndRequired() {
        return true;
      }
    };
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setResource(Resource.create(Attributes.empty()))
        .addSpanProcessor(collect).build()) {
      provider.get("auth-test").spanBuilder(name).startSpan().end();
    }
    return out;
  }

  /** bcrypt is checked off the I/O thread, so these requests take the receiver's asynchronous path. */
  @Test
  void basicAuthWithBcryptOverBothProtocols() throws Exception {
    Component basic = Extensions.extension(new BasicAuthFactory(), "basicauth/otlp",
        "htpasswd:\n  inline: |\n    slowpoke:$2y$05$.KqPyxTzXfYoywvSxJXVFOuM4tzvkbxK8k8dOS0aevGV48ekmmEqC\n");
    basic.start(host(Map.of()));
    closing.add(basic::shutdown);
    int g = freePort();
    int h = freePort();
    Telemetry t = new Telemetry();
    List<Traces> got = new CopyOnWriteArrayList<>();
    Component r = receiver("otlp/basic", "protocols:\n"
        + "  grpc: {endpoint: \"127.0.0.1:" + g + "\", auth: {authenticator: basicauth/otlp}}\n"
        + "  http: {endpoint: \"127.0.0.1:" + h + "\", auth: {authenticator: basicauth/otlp}}\n",
        t, batch -> {
          got.add(batch);
          return CompletableFuture.completedFuture(null);
        });
    r.start(host(Map.of(ComponentId.parse("basicauth/otlp"), basic)));
    closing.add(r::shutdown);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", g).usePlaintext().build();
    closing.add(() -> ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    String good = basic("slowpoke:open sesame");
    String bad = basic("slowpoke:open sesam");

    assertThat(post(h, "", "application/x-protobuf", request("basic-http").toByteArray(), "Authorization", good)
        .statusCode()).isEqualTo(200);
    HttpResponse<byte[]> refused = post(h, "", "application/x-protobuf", request("x").toByteArray(),
        "Authorization", bad);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate"))
        .hasValue("Basic realm=\"basicauth/otlp\", charset=\"UTF-8\"");
    assertThat(com.google.rpc.Status.parseFrom(refused.body()).getMessage()).isEqualTo("invalid user name or password");

    grpc(ch, "authorization", good).export(request("basic-grpc"));
    assertThatThrownBy(() -> grpc(ch, "authorization", bad).export(request("y")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).isEqualTo("invalid user name or password");
        });

    assertThat(got).hasSize(2);
    assertThat(t.counters()).containsEntry(
        new Telemetry.Key("otelcol_receiver_unauthenticated_requests", "receiver", "otlp/basic"), 2L);
  }

  private static String basic(String userColonPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A stand-in for a faulty authenticator (no extension here fails this way): the request stays
   * out, and the client is not shown the fault's message.
   */
  @Test
  void anAuthenticatorThatFailsKeepsTheRequestOut() throws Exception {
    final class Faulty implements Component, ServerAuthenticator {
      @Override
      public CompletableFuture<Client> authenticate(Headers headers) {
        return CompletableFuture.failedFuture(new IllegalStateException("directory down; bind password hunter2"));
      }
    }
    int g = freePort();
    int h = freePort();
    List<Traces> got = new CopyOnWriteArrayList<>();
    Component r = receiver("otlp/faulty", "protocols:\n"
        + "  grpc: {endpoint: \"127.0.0.1:" + g + "\", auth: {authenticator: faulty}}\n"
        + "  http: {endpoint: \"127.0.0.1:" + h + "\", auth: {authenticator: faulty}}\n",
        new Telemetry(), batch -> {
          got.add(batch);
          return CompletableFuture.completedFuture(null);
        });
    r.start(host(Map.of(ComponentId.of("faulty"), new Faulty())));
    closing.add(r::shutdown);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", g).usePlaintext().build();
    closing.add(() -> ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));

    HttpResponse<byte[]> resp = post(h, "", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(resp.statusCode()).isEqualTo(500);
    assertThat(resp.headers().firstValue("WWW-Authenticate")).isEmpty();
    com.google.rpc.Status status = OtlpJson.decode(resp.body(), com.google.rpc.Status.getDefaultInstance());
    assertThat(status.getCode()).isEqualTo(Code.INTERNAL_VALUE);
    assertThat(status.getMessage()).isEqualTo("authenticator \"faulty\" failed; the request was not accepted");
    assertThatThrownBy(() -> grpc(ch).export(request("z")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).doesNotContain("hunter2");
        });
    assertThat(got).isEmpty();
  }

  @Test
  void failsToStartWhenTheAuthenticatorIsMissingOrIsNoAuthenticator() throws Exception {
    String yaml = "protocols:\n"
        + "  grpc: {endpoint: \"127.0.0.1:" + freePort() + "\"}\n"
        + "  http: {endpoint: \"127.0.0.1:" + freePort() + "\", auth: {authenticator: bearertokenauth/other}}\n";
    Component missing = receiver("otlp", yaml, new Telemetry(), b -> CompletableFuture.completedFuture(null));
    assertThatThrownBy(() -> missing.start(host(Map.of(ComponentId.of("bearertokenauth"), bearer))))
        .hasMessage("protocols::http::auth::authenticator: extension \"bearertokenauth/other\" is not configured"
            + " in service::extensions");
    missing.shutdown();

    final class NotAnAuthenticator implements Component {}
    Component wrong = receiver("otlp", yaml, new Telemetry(), b -> CompletableFuture.completedFuture(null));
    assertThatThrownBy(() -> wrong.start(host(Map.of(ComponentId.parse("bearertokenauth/other"),
        new NotAnAuthenticator()))))
        .hasMessage("protocols::http::auth::authenticator: extension \"bearertokenauth/other\" is a"
            + " NotAnAuthenticator (expected: ServerAuthenticator)");
    wrong.shutdown();
  }

  @Test
  void reportsAuthConfigurationProblemsByTheirPath() {
    OtlpReceiverFactory f = new OtlpReceiverFactory();
    assertThat(problems(f, "receivers", "protocols: {grpc: {auth: }}")).containsExactly(
        "receivers::otlp::protocols::grpc::auth::authenticator: missing (expected: the ID of an authenticator"
            + " extension, e.g. bearertokenauth or basicauth/otlp)");
    assertThat(problems(f, "receivers", "protocols: {http: {auth: {authenticator: \"basic auth\"}}}"))
        .singleElement().asString()
        .startsWith("receivers::otlp::protocols::http::auth::authenticator: \"basic auth\" (expected: type[/name]");
    assertThat(problems(f, "receivers", "protocols: {http: {auth: {authenticator: a, request_params: [\"\"]}}}"))
        .containsExactly("receivers::otlp::protocols::http::auth::request_params[0]: \"\""
            + " (expected: a query parameter name)");
    // request_params is an HTTP setting only, as in the Collector.
    assertThat(problems(f, "receivers", "protocols: {grpc: {auth: {authenticator: a, request_params: [x]}}}"))
        .singleElement().asString()
        .startsWith("receivers::otlp::protocols::grpc::auth::request_params: unknown key");
  }
}
