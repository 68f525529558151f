package dev.skein.components.jaegerexporter;

import dev.skein.exporterhelper.TracesSender;
import dev.skein.jaeger.JaegerTranslator;
import dev.skein.jaeger.proto.Collector.PostSpansRequest;
import dev.skein.jaeger.proto.Collector.PostSpansResponse;
import dev.skein.jaeger.proto.CollectorServiceGrpc;
import dev.skein.jaeger.proto.Model;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Sends spans to a Jaeger collector's gRPC {@code CollectorService/PostSpans}: each resource
 * group becomes one request (Jaeger's request holds one batch, one process), and the requests of
 * a call go out together. The returned future fails if any request fails, with the most severe
 * failure (permanent over retryable), so a retry may send again what was already taken, as the
 * Collector's Jaeger exporter did.
 */
final class JaegerSender implements TracesSender {
  private final JaegerExporterConfig config;
  private final String target;
  private volatile @Nullable ManagedChannel channel;
  private volatile @Nullable CollectorServiceGrpc.CollectorServiceStub stub;

  JaegerSender(JaegerExporterConfig config) {
    this.config = config;
    this.target = config.endpoint;
  }

  @Override
  public synchronized void start(Host host) throws IOException {
    if (channel != null) {
      return;
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(config.host(), config.port(), credentials());
    if (!config.tls.insecure && !config.tls.serverNameOverride.isEmpty()) {
      builder.overrideAuthority(config.tls.serverNameOverride);
    }
    if (!config.headers.isEmpty()) {
      Metadata metadata = new Metadata();
      config.headers.forEach((name, value) -> metadata.put(
          Metadata.Key.of(name.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER), value));
      ClientInterceptor headers = MetadataUtils.newAttachHeadersInterceptor(metadata);
      builder.intercept(headers);
    }
    ManagedChannel c = builder.build();
    CollectorServiceGrpc.CollectorServiceStub s = CollectorServiceGrpc.newStub(c);
    if (config.compression.equals("gzip")) {
      s = s.withCompression("gzip");
    }
    channel = c;
    stub = s;
  }

  private ChannelCredentials credentials() throws IOException {
    JaegerExporterConfig.TlsConfig tls = config.tls;
    if (tls.insecure) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (tls.insecureSkipVerify) {
      b.trustManager(dev.skein.components.exporters.internal.Tls.trustEverything());
    } else if (!tls.caFile.isEmpty()) {
      b.trustManager(readable(tls.caFile, "tls::ca_file"));
    }
    if (!tls.certFile.isEmpty()) {
      b.keyManager(readable(tls.certFile, "tls::cert_file"), readable(tls.keyFile, "tls::key_file"));
    }
    return b.build();
  }

  private static File readable(String path, String key) throws IOException {
    File f = new File(path);
    if (!f.canRead()) {
      throw new IOException(key + ": \"" + path + "\" cannot be read (expected: a readable PEM file)");
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> send(Traces traces) {
    CollectorServiceGrpc.CollectorServiceStub s = stub;
    if (s == null) {
      return CompletableFuture.failedFuture(PipelineException.permanent(
          "the Jaeger sender for " + target + " is not started", null));
    }
    List<Model.Batch> batches = JaegerTranslator.toBatches(traces);
    if (batches.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Void>> calls = new ArrayList<>(batches.size());
    for (Model.Batch batch : batches) {
      calls.add(post(s, PostSpansRequest.newBuilder().setBatch(batch).build()));
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).handle((v, t) -> {
      if (t == null) {
        return null;
      }
      PipelineException worst = null;
      for (CompletableFuture<Void> call : calls) {
        if (call.isCompletedExceptionally()) {
          PipelineException e = PipelineException.classify(call.handle((x, err) -> err).join());
          if (worst == null || (!e.isRetryable() && worst.isRetryable())) {
            worst = e;
          }
        }
      }
      throw worst;
    });
  }

  private CompletableFuture<Void> post(CollectorServiceGrpc.CollectorServiceStub s, PostSpansRequest request) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!config.timeout.isZero()) {
      s = s.withDeadlineAfter(config.timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    try {
      s.postSpans(request, new StreamObserver<>() {
        @Override
        public void onNext(PostSpansResponse value) {}

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(GrpcFailures.classify(t, target));
        }

        @Override
        public void onCompleted() {
          done.complete(null);
        }
      });
    } catch (RuntimeException e) {
      done.completeExceptionally(GrpcFailures.classify(e, target));
    }
    return done;
  }

  @Override
  public synchronized void shutdown() {
    ManagedChannel c = channel;
    if (c == null) {
      return;
    }
    channel = null;
    stub = null;
    c.shutdown();
    try {
      if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
      }
    } catch (InterruptedException e) {
      c.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
