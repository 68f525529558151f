package dev.skein.components.zipkinreceiver;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.AbstractHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.TracesConsumer;
import dev.skein.wire.WireFormatException;
import dev.skein.zipkin.ZipkinTranslator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Zipkin's {@code POST /api/v2/spans}: a JSON or proto3 list of spans, plain, gzip or deflate.
 * Answers {@code 202 Accepted} with no body once the pipeline has taken the spans (for storage:
 * durably), as Zipkin does; every error is a {@code text/plain} message that names the problem.
 */
final class ZipkinHttpService extends AbstractHttpService {
  private static final MediaType X_PROTOBUF = MediaType.create("application", "x-protobuf");
  private static final MediaType X_THRIFT = MediaType.create("application", "x-thrift");

  private enum Format { JSON, PROTO3 }

  private final CreateSettings settings;
  private final ZipkinTranslator translator;
  private final TracesConsumer next;
  private final long maxBodySize;

  ZipkinHttpService(CreateSettings settings, ZipkinTranslator translator, TracesConsumer next, long maxBodySize) {
    this.settings = settings;
    this.translator = translator;
    this.next = next;
    this.maxBodySize = maxBodySize;
  }

  @Override
  protected HttpResponse doPost(ServiceRequestContext ctx, HttpRequest req) {
    MediaType type = req.contentType();
    Format format;
    // Zipkin and the Collector read a body without a Content-Type as JSON.
    if (type == null || type.is(MediaType.JSON)) {
      format = Format.JSON;
    } else if (type.is(X_PROTOBUF) || type.is(MediaType.PROTOBUF)) {
      format = Format.PROTO3;
    } else if (type.is(X_THRIFT)) {
      return text(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type: \"" + type
          + "\": Zipkin v1 Thrift is not supported (expected: Zipkin v2 spans as application/json"
          + " or application/x-protobuf)");
    } else {
      return text(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type: \"" + type + "\" (expected: application/json or application/x-protobuf)");
    }
    String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING, "identity").trim().toLowerCase(Locale.ROOT);
    if (!encoding.equals("identity") && !encoding.equals("gzip") && !encoding.equals("deflate")) {
      return text(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "Content-Encoding: \"" + encoding + "\" (expected: gzip, deflate or identity)");
    }
    // Decoding a body of many megabytes takes long enough that it must not hold up an event loop.
    // A body over the limit fails the aggregation; the receiver's error handler words the 413.
    String tenant = dev.skein.pipeline.server.Tenancy.current();
    return HttpResponse.of(req.aggregate()
        .thenComposeAsync(agg -> handle(agg, format, encoding, tenant), ctx.blockingTaskExecutor()));
  }

  private CompletableFuture<HttpResponse> handle(AggregatedHttpRequest agg, Format format, String encoding,
      String tenant) {
    byte[] body = agg.content().array();
    if (!encoding.equals("identity")) {
      try {
        body = inflate(body, encoding);
      } catch (TooLargeException e) {
        return CompletableFuture.completedFuture(tooLarge(" after " + encoding + " decompression"));
      } catch (IOException e) {
        return CompletableFuture.completedFuture(text(HttpStatus.BAD_REQUEST,
            "request body: not valid " + encoding + " (" + e.getMessage() + ")"));
      }
    }
    Traces traces;
    try {
      traces = format == Format.JSON ? translator.fromJson(body) : translator.fromProto3(body);
    } catch (WireFormatException e) {
      return CompletableFuture.completedFuture(text(HttpStatus.BAD_REQUEST,
          (format == Format.JSON ? "Zipkin v2 JSON" : "Zipkin v2 proto3") + " cannot be decoded: " + e.getMessage()));
    }
    if (traces.isEmpty()) {
      return CompletableFuture.completedFuture(HttpResponse.of(ResponseHeaders.of(HttpStatus.ACCEPTED)));
    }
    String receiver = settings.id().toString();
    int spans = traces.spanCount();
    CompletableFuture<Void> done;
    try {
      done = next.consume(traces.withTenant(tenant));
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.handle((v, t) -> {
      if (t == null) {
        settings.telemetry().add("otelcol_receiver_accepted_spans", "receiver", receiver, spans);
        return HttpResponse.of(ResponseHeaders.of(HttpStatus.ACCEPTED));
      }
      settings.telemetry().add("otelcol_receiver_refused_spans", "receiver", receiver, spans);
      PipelineException e = PipelineException.classify(t);
      if (!e.isRetryable()) {
        return text(HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(e.getMessage()));
      }
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
              .contentType(MediaType.PLAIN_TEXT_UTF_8)
              .add(HttpHeaderNames.RETRY_AFTER, Long.toString(dev.skein.pipeline.RpcStatuses.retryDelay(e).toSeconds()))
              .build(),
          HttpData.ofUtf8(e.getMessage() + "\n"));
    });
  }

  /** Decompresses gzip or zlib ("deflate" in HTTP), refusing to produce more than the body limit. */
  private byte[] inflate(byte[] body, String encoding) throws IOException {
    InputStream raw = new ByteArrayInputStream(body);
    try (InputStream in = encoding.equals("gzip") ? new GZIPInputStream(raw) : new InflaterInputStream(raw)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxBodySize, 4L * body.length + 64));
      byte[] buf = new byte[16384];
      long total = 0;
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
        if (total > maxBodySize) {
          throw new TooLargeException();
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  private HttpResponse tooLarge(String when) {
    return text(HttpStatus.REQUEST_ENTITY_TOO_LARGE, tooLargeMessage(maxBodySize, when));
  }

  static String tooLargeMessage(long maxBodySize, String when) {
    return "request body: more than " + maxBodySize + " bytes" + when + " (expected: at most max_request_body_size)";
  }

  static HttpResponse text(HttpStatus status, String message) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, message + "\n");
  }

  private static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
