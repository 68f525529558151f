package dev.skein.server;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * OTLP clients for {@link OverloadIT} that record every answer: raw OTLP/gRPC (grpc-java) and
 * OTLP/HTTP protobuf ({@link HttpClient}) requests, alternating, each request one trace of
 * {@link #spansPerRequest} spans. A refusal is retried, as an OTLP exporter does, after the delay
 * the server asked for (gRPC {@code RetryInfo}, HTTP {@code Retry-After}) until it is
 * acknowledged; an answer the OTLP specification does not allow for throttling is recorded as a
 * violation and not retried. A request that gets no answer at all (the connection failed or was
 * reset) is retried after a second, as OTLP exporters do, and counted under
 * {@code transport error}.
 *
 * <p>Allowed refusals: gRPC {@code UNAVAILABLE}, and {@code RESOURCE_EXHAUSTED} only with
 * {@code RetryInfo} (the specification treats it as retryable only then); HTTP 429 or 503 with a
 * {@code Retry-After} header.
 */
final class OverloadClient implements AutoCloseable {
  private static final MethodDescriptor<byte[], ExportTraceServiceResponse> EXPORT =
      MethodDescriptor.<byte[], ExportTraceServiceResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
          .setRequestMarshaller(new OtlpReceiverErrorsTest.BytesMarshaller())
          .setResponseMarshaller(ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
          .build();
  /** The wait before retrying when a refusal names no delay (gRPC UNAVAILABLE without RetryInfo). */
  private static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);

  /** One request: one trace, sent until acknowledged. */
  static final class Batch {
    final byte[] traceId;
    final byte[] body;
    final int spans;
    final boolean grpc;
    volatile boolean acked;

    Batch(byte[] traceId, byte[] body, int spans, boolean grpc) {
      this.traceId = traceId;
      this.body = body;
      this.spans = spans;
      this.grpc = grpc;
    }

    String traceIdHex() {
      return HexFormat.of().formatHex(traceId);
    }
  }

  final int spansPerRequest;
  final List<Batch> batches = new ArrayList<>();
  /** Answers by transport and code, e.g. {@code grpc OK}, {@code grpc UNAVAILABLE+RetryInfo}, {@code http 503}. */
  final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
  final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  final AtomicLong ackedSpans = new AtomicLong();
  final AtomicInteger inFlight = new AtomicInteger();
  /** The requests sent and not yet answered. */
  final java.util.Set<Batch> open = ConcurrentHashMap.newKeySet();
  final AtomicInteger waitingToRetry = new AtomicInteger();
  final AtomicLong refusals = new AtomicLong();

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<HttpClient> https = new ArrayList<>();
  private final URI httpUri;
  private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "overload-retries");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong sequence = new AtomicLong();
  private final long runId = System.nanoTime();

  OverloadClient(int grpcPort, int httpPort, int connections, int spansPerRequest) {
    this.spansPerRequest = spansPerRequest;
    this.httpUri = URI.create("http://127.0.0.1:" + httpPort + "/v1/traces");
    for (int i = 0; i < connections; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build());
      https.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build());
    }
  }

  /** Creates a new batch, alternately for gRPC and HTTP, and sends it; {@code then} runs once it is acknowledged. */
  Batch sendNew(Runnable then) {
    long seq = sequence.getAndIncrement();
    Batch b = request(seq, seq % 2 == 0);
    synchronized (batches) {
      batches.add(b);
    }
    send(b, seq, then);
    return b;
  }

  long offeredSpans() {
    synchronized (batches) {
      return (long) batches.size() * spansPerRequest;
    }
  }

  List<Batch> batches() {
    synchronized (batches) {
      return List.copyOf(batches);
    }
  }

  private void send(Batch b, long seq, Runnable then) {
    inFlight.incrementAndGet();
    open.add(b);
    int lane = (int) (seq / 2 % channels.size());
    CompletableFuture<Answer> answer = b.grpc
        ? sendGrpc(channels.get(lane), b.body) : sendHttp(https.get(lane), b.body);
    answer.whenComplete((a, t) -> {
      inFlight.decrementAndGet();
      open.remove(b);
      if (t != null) {
        // No answer at all (the connection failed or was reset): an OTLP exporter retries these too.
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause() : t;
        a = new Answer(Kind.REFUSED, (b.grpc ? "grpc " : "http ") + "transport error "
            + cause.getClass().getSimpleName(), DEFAULT_RETRY_DELAY, String.valueOf(cause));
      }
      answers.computeIfAbsent(a.label, k -> new LongAdder()).increment();
      if (a.kind == Kind.ACKED) {
        b.acked = true;
        ackedSpans.addAndGet(b.spans);
        then.run();
      } else if (a.kind == Kind.REFUSED) {
        refusals.incrementAndGet();
        waitingToRetry.incrementAndGet();
        retries.schedule(() -> {
          waitingToRetry.decrementAndGet();
          send(b, seq, then);
        }, a.retryDelay.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        violations.add("trace " + b.traceIdHex() + ": " + a.label + ": " + a.detail);
      }
    });
  }

  enum Kind { ACKED, REFUSED, VIOLATION }

  record Answer(Kind kind, String label, Duration retryDelay, String detail) {
    static Answer violation(String label, String detail) {
      return new Answer(Kind.VIOLATION, label, Duration.ZERO, detail);
    }
  }

  private static CompletableFuture<Answer> sendGrpc(ManagedChannel channel, byte[] body) {
    CompletableFuture<Answer> out = new CompletableFuture<>();
    com.google.common.util.concurrent.ListenableFuture<ExportTraceServiceResponse> f = ClientCalls.futureUnaryCall(
        channel.newCall(EXPORT, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.MINUTES)), body);
    f.addListener(() -> {
      try {
        f.get();
        out.complete(new Answer(Kind.ACKED, "grpc OK", Duration.ZERO, ""));
      } catch (java.util.concurrent.ExecutionException e) {
        out.complete(grpcRefusal(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        out.completeExceptionally(e);
      } catch (RuntimeException | Error e) {
        // Whatever goes wrong, the request must not stay open forever.
        out.completeExceptionally(e);
      }
    }, Runnable::run);
    return out;
  }

  /** Classifies a failed gRPC call by the OTLP specification's rules for throttling. */
  static Answer grpcRefusal(Throwable t) {
    Status status = Status.fromThrowable(t);
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    Duration delay = null;
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        if (any.is(RetryInfo.class)) {
          try {
            com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
            delay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          } catch (InvalidProtocolBufferException e) {
            return Answer.violation("grpc " + status.getCode() + " with undecodable RetryInfo", e.getMessage());
          }
        }
      }
    }
    String label = "grpc " + status.getCode() + (delay == null ? "" : "+RetryInfo");
    String detail = String.valueOf(status.getDescription());
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      return new Answer(Kind.REFUSED, label, delay == null ? DEFAULT_RETRY_DELAY : delay, detail);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && delay != null) {
      return new Answer(Kind.REFUSED, label, delay, detail);
    }
    return Answer.violation(label, detail);
  }

  private CompletableFuture<Answer> sendHttp(HttpClient client, byte[] body) {
    HttpRequest request = HttpRequest.newBuilder(httpUri).timeout(Duration.ofMinutes(2))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(OverloadClient::httpRefusal);
  }

  /** Classifies an OTLP/HTTP answer by the OTLP specification's rules for throttling. */
  static Answer httpRefusal(HttpResponse<String> r) {
    int code = r.statusCode();
    if (code == 200) {
      return new Answer(Kind.ACKED, "http 200", Duration.ZERO, "");
    }
    OptionalLong retryAfter = r.headers().firstValueAsLong("Retry-After");
    String label = "http " + code + (retryAfter.isPresent() ? "+Retry-After" : "");
    if ((code == 429 || code == 503) && retryAfter.isPresent()) {
      return new Answer(Kind.REFUSED, label, Duration.ofSeconds(retryAfter.getAsLong()), r.body());
    }
    return Answer.violation(label, r.body());
  }

  private Batch request(long seq, boolean grpc) {
    byte[] traceId = ByteBuffer.allocate(16).putLong(runId).putLong(seq).array();
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    long start = System.currentTimeMillis() * 1_000_000L;
    ByteString trace = ByteString.copyFrom(traceId);
    ByteString root = spanId(seq, 0);
    for (int i = 0; i < spansPerRequest; i++) {
      Span.Builder s = Span.newBuilder().setTraceId(trace).setSpanId(i == 0 ? root : spanId(seq, i))
          .setName(i == 0 ? "GET /checkout" : "SELECT orders")
          .setKind(i == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(start + i * 1000L).setEndTimeUnixNano(start + i * 1000L + 500_000L)
          .addAttributes(KeyValue.newBuilder().setKey("db.statement")
              .setValue(AnyValue.newBuilder().setStringValue("SELECT * FROM orders WHERE id = " + i)));
      if (i > 0) {
        s.setParentSpanId(root);
      }
      scope.addSpans(s);
    }
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue(grpc ? "overload-grpc" : "overload-http"))))
        .addScopeSpans(scope)).build();
    return new Batch(traceId, req.toByteArray(), spansPerRequest, grpc);
  }

  private static ByteString spanId(long seq, int i) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putInt((int) seq + 1).putInt(i).array());
  }

  @Override
  public void close() {
    retries.shutdownNow();
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}
