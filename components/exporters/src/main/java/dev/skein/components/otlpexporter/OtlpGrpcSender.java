package dev.skein.components.otlpexporter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.skein.components.exporters.internal.Tls;
import dev.skein.exporterhelper.TracesSender;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a batch as one OTLP/gRPC {@code Export} call and classifies the answer as the OTLP
 * specification says: the codes it lists as retryable are retried, honouring a {@code RetryInfo}
 * delay; {@code RESOURCE_EXHAUSTED} is retried only when the server sent {@code RetryInfo}, which
 * is how it says it may recover; everything else is permanent.
 */
final class OtlpGrpcSender implements TracesSender {
  private static final Logger log = LoggerFactory.getLogger(OtlpGrpcSender.class);
  private static final Set<Status.Code> RETRYABLE = EnumSet.of(Status.Code.CANCELLED,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED, Status.Code.OUT_OF_RANGE, Status.Code.UNAVAILABLE,
      Status.Code.DATA_LOSS);

  private final CreateSettings settings;
  private final OtlpExporterConfig config;
  @Nullable private volatile ManagedChannel channel;
  @Nullable private volatile TraceServiceGrpc.TraceServiceStub stub;

  OtlpGrpcSender(CreateSettings settings, OtlpExporterConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public void start(Host host) throws Exception {
    ChannelCredentials credentials;
    if (config.useTls()) {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      TrustManager[] trust = Tls.trustManagers(config.tls);
      if (trust != null) {
        b.trustManager(trust);
      }
      KeyManager[] keys = Tls.keyManagers(config.tls);
      if (keys != null) {
        b.keyManager(keys);
      }
      credentials = b.build();
    } else {
      credentials = InsecureChannelCredentials.create();
    }
    Metadata headers = new Metadata();
    config.headers.forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    ManagedChannel ch = NettyChannelBuilder.forTarget(config.target(), credentials)
        .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
        .userAgent("Skein")
        .build();
    TraceServiceGrpc.TraceServiceStub s = TraceServiceGrpc.newStub(ch);
    stub = config.gzip() ? s.withCompression("gzip") : s;
    channel = ch;
    log.info("OTLP/gRPC exporter \"{}\" sends to {}{}", settings.id(), config.target(),
        config.useTls() ? " over TLS" : "");
  }

  private static final Metadata.Key<String> TENANT_KEY =
      Metadata.Key.of(dev.skein.model.Tenants.HEADER, Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public CompletableFuture<Void> send(Traces traces) {
    return sendReportingRejected(traces).thenApply(n -> null);
  }

  @Override
  public CompletableFuture<Long> sendReportingRejected(Traces traces) {
    TraceServiceGrpc.TraceServiceStub s = stub;
    if (s == null) {
      return CompletableFuture.failedFuture(PipelineException.retryable(
          "exporter \"" + settings.id() + "\" is not started", null));
    }
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(traces.resourceSpans()).build();
    if (!traces.tenant().isEmpty() && !config.headers.keySet().stream().anyMatch(dev.skein.model.Tenants.HEADER::equalsIgnoreCase)) {
      // The batch's tenant goes on to the next hop, unless the configuration names one itself.
      Metadata tenant = new Metadata();
      tenant.put(TENANT_KEY, traces.tenant());
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(tenant));
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    s.withDeadlineAfter(config.timeout.toNanos(), TimeUnit.NANOSECONDS).export(request,
        new StreamObserver<>() {
          @Override
          public void onNext(ExportTraceServiceResponse response) {
            done.complete(rejected(response));
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(classify(t));
          }

          @Override
          public void onCompleted() {
            done.complete(0L);
          }
        });
    return done;
  }

  private long rejected(ExportTraceServiceResponse response) {
    if (!response.hasPartialSuccess()) {
      return 0;
    }
    ExportTracePartialSuccess p = response.getPartialSuccess();
    if (p.getRejectedSpans() > 0 || !p.getErrorMessage().isEmpty()) {
      log.warn("Exporter \"{}\": the server accepted the request partially: {} spans rejected: {}",
          settings.id(), p.getRejectedSpans(), p.getErrorMessage());
    }
    return p.getRejectedSpans();
  }

  /** Maps a failed call to the kind of failure, keeping the server's message and delay. */
  static PipelineException classify(Throwable t) {
    Status status = Status.fromThrowable(t);
    Duration delay = retryDelay(t);
    StringBuilder message = new StringBuilder("OTLP/gRPC export failed: ").append(status.getCode());
    if (status.getDescription() != null) {
      message.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      // grpc-java describes transport failures as "io exception"; the cause says which.
      message.append(status.getDescription() != null ? " (" : ": ").append(status.getCause().getMessage())
          .append(status.getDescription() != null ? ")" : "");
    }
    if (RETRYABLE.contains(status.getCode())) {
      return new PipelineException(PipelineException.Kind.RETRYABLE, message.toString(),
          delay == null ? Duration.ZERO : delay, t);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && delay != null) {
      return new PipelineException(PipelineException.Kind.OVER_CAPACITY, message.toString(), delay, t);
    }
    return PipelineException.permanent(message.toString(), t);
  }

  private static @Nullable Duration retryDelay(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  @Override
  public void shutdown() {
    ManagedChannel ch = channel;
    stub = null;
    channel = null;
    if (ch == null) {
      return;
    }
    ch.shutdown();
    try {
      if (!ch.awaitTermination(5, TimeUnit.SECONDS)) {
        ch.shutdownNow();
      }
    } catch (InterruptedException e) {
      ch.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
