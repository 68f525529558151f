package dev.skein.components.jaegerreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.jaeger.proto.Collector.PostSpansResponse;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Hex;
import dev.skein.model.Traces;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.Telemetry;
import dev.skein.pipeline.TracesConsumer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starts the receiver on a free loopback port and talks to it with grpc-java, as a Jaeger client would. */
class JaegerReceiverTest {
  private static final Host HOST = Map::of;
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  // One receiver for the whole class: each start and stop of an Armeria server takes seconds.
  private static final Telemetry TELEMETRY = new Telemetry();
  private static final List<Traces> RECEIVED = new CopyOnWriteArrayList<>();
  private static volatile Function<Traces, CompletableFuture<Void>> pipeline;
  private static JaegerReceiver receiver;
  private static ManagedChannel channel;

  private final CopyOnWriteArrayList<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
  private Map<Telemetry.Key, Long> baseline;

  @BeforeAll
  static void startReceiver() throws Exception {
    TracesConsumer consumer = traces -> {
      RECEIVED.add(traces);
      return pipeline.apply(traces);
    };
    receiver = new JaegerReceiver(new CreateSettings(ComponentId.of("jaeger"), TELEMETRY),
        JaegerReceiverConfigTest.bind(
            "{'protocols': {'grpc': {'endpoint': '127.0.0.1:0', 'max_recv_msg_size_mib': 1}}}"),
        consumer);
    receiver.start(HOST);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.activePort()).usePlaintext()
        .maxInboundMessageSize(16 * 1024 * 1024).build();
  }

  @AfterAll
  static void stopReceiver() {
    channel.shutdownNow();
    receiver.shutdown();
  }

  @BeforeEach
  void reset() {
    RECEIVED.clear();
    baseline = TELEMETRY.counters();
    pipeline = JaegerReceiverTest::accept;
  }

  @Test
  void handsTheSpansToThePipelineAndAnswersOnceItHasTakenThem() throws Exception {
    pipeline = traces -> {
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    };

    CompletableFuture<PostSpansResponse> answer = new CompletableFuture<>();
    io.grpc.stub.StreamObserver<PostSpansResponse> observer = new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(PostSpansResponse value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
    CollectorServiceGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .postSpans(request(span("b7ad6b7169203331")), observer);
    waitFor(() -> pending.size() == 1);

    assertThat(answer).as("no answer before the pipeline completes").isNotDone();
    pending.get(0).complete(null);
    assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(PostSpansResponse.getDefaultInstance());
    assertThat(RECEIVED).hasSize(1);
    Traces t = RECEIVED.get(0);
    assertThat(t.spanCount()).isEqualTo(1);
    assertThat(t.resourceSpans().get(0).getResource().getAttributes(0).getValue().getStringValue()).isEqualTo("shop");
    assertThat(Hex.encode(t.resourceSpans().get(0).getScopeSpans(0).getSpans(0).getSpanId()))
        .isEqualTo("b7ad6b7169203331");
    assertThat(counted("otelcol_receiver_accepted_spans")).isEqualTo(1);
  }

  @Test
  void aRetryableFailureIsUnavailableWithRetryInfo() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(
        new PipelineException(PipelineException.Kind.RETRYABLE, "storage is busy", Duration.ofMillis(1500), null));

    StatusRuntimeException e = post(request(span("b7ad6b7169203331")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo("storage is busy");
    assertThat(retryInfo(e).getRetryDelay())
        .isEqualTo(com.google.protobuf.Duration.newBuilder().setSeconds(1).setNanos(500_000_000).build());
    assertThat(counted("otelcol_receiver_refused_spans")).isEqualTo(1);
  }

  @Test
  void overCapacityIsUnavailableWithRetryInfo() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(PipelineException.overCapacity("memory limit reached"));

    StatusRuntimeException e = post(request(span("b7ad6b7169203331")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(retryInfo(e).getRetryDelay().getSeconds()).isEqualTo(1);
  }

  @Test
  void aPermanentFailureIsInternalWithTheMessageKept() throws Exception {
    pipeline = traces -> CompletableFuture.failedFuture(PipelineException.permanent("disk is read-only", null));

    StatusRuntimeException e = post(request(span("b7ad6b7169203331")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).isEqualTo("disk is read-only");
  }

  @Test
  void aConsumerThatThrowsIsInternal() throws Exception {
    pipeline = traces -> {
      throw new IllegalStateException("bug in a processor");
    };

    StatusRuntimeException e = post(request(span("b7ad6b7169203331")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).isEqualTo("bug in a processor");
  }

  @Test
  void undecodableBytesAreInvalidArgument() throws Exception {
    
    StatusRuntimeException e = postBytes(new byte[] {0x0a, 0x10, 0x0a});

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith("PostSpansRequest cannot be decoded: ");
    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void anIdOfTheWrongSizeIsInvalidArgumentNamingTheField() throws Exception {
    
    StatusRuntimeException e = post(request(span("b7ad6b7169203331").toBuilder()
        .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3})).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("PostSpansRequest cannot be decoded:"
        + " batch.spans[0].trace_id: 3 bytes (expected: 16, or 8 for a 64-bit trace ID)");
  }

  @Test
  void aMessageOverTheLimitIsResourceExhausted() throws Exception {
        Model.Span big = span("b7ad6b7169203331").toBuilder()
        .addTags(Model.KeyValue.newBuilder().setKey("blob").setVType(Model.ValueType.BINARY)
            .setVBinary(ByteString.copyFrom(new byte[1024 * 1024 + 1])))
        .build();

    StatusRuntimeException e = post(request(big));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void dropsSpansWithZeroIdsAndCountsThemAsRefused() throws Exception {
        Model.Span zeroSpanId = span("0000000000000000");

    post(request(span("b7ad6b7169203331"), zeroSpanId), true);

    assertThat(RECEIVED).hasSize(1);
    assertThat(RECEIVED.get(0).spanCount()).isEqualTo(1);
    assertThat(counted("otelcol_receiver_refused_spans")).isEqualTo(1);
    assertThat(counted("otelcol_receiver_accepted_spans")).isEqualTo(1);
  }

  @Test
  void anEmptyBatchIsAnsweredWithoutThePipeline() throws Exception {
    
    post(PostSpansRequest.getDefaultInstance(), true);

    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void cannotStartOnAPortInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String endpoint = "127.0.0.1:" + taken.getLocalPort();
      JaegerReceiver r = new JaegerReceiver(new CreateSettings(ComponentId.of("jaeger"), TELEMETRY),
          JaegerReceiverConfigTest.bind("{'protocols': {'grpc': {'endpoint': '" + endpoint + "'}}}"),
          JaegerReceiverTest::accept);

      assertThatThrownBy(() -> r.start(HOST))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("protocols::grpc::endpoint: cannot listen on \"" + endpoint + "\": ");
      r.shutdown();
    }
  }

  @Test
  void shutdownIsSafeWithoutStartAndIdempotent() throws Exception {
    JaegerReceiver r = new JaegerReceiver(new CreateSettings(ComponentId.of("jaeger"), TELEMETRY),
        JaegerReceiverConfigTest.bind("{'protocols': {'grpc': {'endpoint': '127.0.0.1:0'}}}"),
        JaegerReceiverTest::accept);
    r.shutdown();
    r.start(HOST);
    r.start(HOST);
    assertThat(r.activePort()).isPositive();
    r.shutdown();
    r.shutdown();
    assertThat(r.activePort()).isEqualTo(-1);
  }

  private static CompletableFuture<Void> accept(Traces traces) {
    return CompletableFuture.completedFuture(null);
  }

  static Model.Span span(String spanId) {
    return Model.Span.newBuilder()
        .setTraceId(ByteString.copyFrom(Hex.decode(TRACE)))
        .setSpanId(ByteString.copyFrom(Hex.decode(spanId)))
        .setOperationName("GET /")
        .build();
  }

  static PostSpansRequest request(Model.Span... spans) {
    return PostSpansRequest.newBuilder().setBatch(Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName("shop"))
        .addAllSpans(List.of(spans))).build();
  }

  private StatusRuntimeException post(PostSpansRequest request) {
    return post(request, false);
  }

  private StatusRuntimeException post(PostSpansRequest request, boolean expectSuccess) {
    try {
      CollectorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).postSpans(request);
    } catch (StatusRuntimeException e) {
      if (expectSuccess) {
        throw e;
      }
      return e;
    }
    if (!expectSuccess) {
      throw new AssertionError("the call succeeded (expected: a failure)");
    }
    return null;
  }

  /** Sends bytes that need not be a valid message. */
  private StatusRuntimeException postBytes(byte[] body) {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(CollectorServiceGrpc.getPostSpansMethod().getFullMethodName())
        .setRequestMarshaller(Bytes.INSTANCE)
        .setResponseMarshaller(Bytes.INSTANCE)
        .build();
    try {
      ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body);
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded (expected: a failure)");
  }

  /** How much {@code metric} of this receiver grew during the test. */
  private long counted(String metric) {
    Telemetry.Key key = new Telemetry.Key(metric, "receiver", "jaeger");
    return TELEMETRY.counters().getOrDefault(key, 0L) - baseline.getOrDefault(key, 0L);
  }

  private static RetryInfo retryInfo(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    assertThat(status.getDetailsCount()).isEqualTo(1);
    return status.getDetails(0).unpack(RetryInfo.class);
  }

  /** Polls for up to 30 seconds, so that a broken receiver fails the test instead of hanging it. */
  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }

  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
