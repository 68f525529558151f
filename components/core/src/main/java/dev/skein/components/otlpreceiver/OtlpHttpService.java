package dev.skein.components.otlpreceiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.AbstractHttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.pipeline.server.Tenancy;
import dev.skein.model.Nullable;
import dev.skein.pipeline.PipelineException;
import dev.skein.wire.WireFormatException;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * OTLP/HTTP {@code POST /v1/traces} with {@code application/x-protobuf} or {@code application/json}
 * bodies, plain or gzip. Answers in the request's content type: {@code ExportTraceServiceResponse}
 * on success, {@code google.rpc.Status} on failure.
 */
final class OtlpHttpService extends AbstractHttpService {
  static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");

  private final ExportHandler handler;
  private final long maxBodySize;

  OtlpHttpService(ExportHandler handler, long maxBodySize) {
    this.handler = handler;
    this.maxBodySize = maxBodySize;
  }

  @Override
  protected HttpResponse doPost(ServiceRequestContext ctx, HttpRequest req) {
    MediaType type = req.contentType();
    boolean json;
    if (type != null && type.is(MediaType.JSON)) {
      json = true;
    } else if (type != null && (type.is(PROTOBUF) || type.is(MediaType.PROTOBUF))) {
      json = false;
    } else {
      return error(true, HttpStatus.UNSUPPORTED_MEDIA_TYPE, Code.INVALID_ARGUMENT,
          "Content-Type: " + (type == null ? "missing" : "\"" + type + "\"")
              + " (expected: application/x-protobuf or application/json)");
    }
    String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING, "identity").trim().toLowerCase(Locale.ROOT);
    if (!encoding.equals("identity") && !encoding.equals("gzip")) {
      return error(json, HttpStatus.UNSUPPORTED_MEDIA_TYPE, Code.INVALID_ARGUMENT,
          "Content-Encoding: \"" + encoding + "\" (expected: gzip or identity)");
    }
    String tenant = Tenancy.current();
    return HttpResponse.of(req.aggregate().thenCompose(agg -> handle(agg, json, encoding.equals("gzip"), tenant)));
  }

  private java.util.concurrent.CompletableFuture<HttpResponse> handle(
      AggregatedHttpRequest agg, boolean json, boolean gzip, String tenant) {
    byte[] body = agg.content().array();
    if (gzip) {
      try {
        body = gunzip(body);
      } catch (TooLargeException e) {
        return done(error(json, HttpStatus.REQUEST_ENTITY_TOO_LARGE, Code.RESOURCE_EXHAUSTED,
            "request body: more than " + maxBodySize + " bytes after gzip decompression"
                + " (expected: at most max_request_body_size)"));
      } catch (IOException e) {
        return done(error(json, HttpStatus.BAD_REQUEST, Code.INVALID_ARGUMENT,
            "request body: not valid gzip: " + e.getMessage()));
      }
    }
    ExportTraceServiceRequest request;
    try {
      request = json
          ? OtlpJson.decode(body, ExportTraceServiceRequest.getDefaultInstance())
          : ExportTraceServiceRequest.parseFrom(body);
    } catch (WireFormatException e) {
      return done(error(true, HttpStatus.BAD_REQUEST, Code.INVALID_ARGUMENT,
          "ExportTraceServiceRequest cannot be decoded: " + e.getMessage()));
    } catch (InvalidProtocolBufferException e) {
      return done(error(false, HttpStatus.BAD_REQUEST, Code.INVALID_ARGUMENT,
          "ExportTraceServiceRequest cannot be decoded: " + e.getMessage()));
    }
    return handler.export(request, "http", tenant).handle((response, t) -> {
      if (t == null) {
        return body(json, HttpStatus.OK, response);
      }
      PipelineException e = PipelineException.classify(t);
      com.google.rpc.Status status = dev.skein.pipeline.RpcStatuses.toStatus(e);
      if (e.isRetryable()) {
        long seconds = dev.skein.pipeline.RpcStatuses.retryDelay(e).toSeconds();
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
            .contentType(json ? MediaType.JSON : PROTOBUF)
            .add(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds)).build(),
            com.linecorp.armeria.common.HttpData.wrap(encode(json, status)));
      }
      return body(json, HttpStatus.INTERNAL_SERVER_ERROR, status);
    });
  }

  private byte[] gunzip(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(body.length * 4, 1 << 20));
      byte[] buf = new byte[16384];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > maxBodySize) {
          throw new TooLargeException();
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  private static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Whether an answer to a request of {@code type} is JSON: for JSON requests, and for requests
   * in a type this service does not take, since a person is more likely to read that answer.
   */
  static boolean answersInJson(@Nullable MediaType type) {
    return type == null || !(type.is(PROTOBUF) || type.is(MediaType.PROTOBUF));
  }

  private static java.util.concurrent.CompletableFuture<HttpResponse> done(HttpResponse r) {
    return java.util.concurrent.CompletableFuture.completedFuture(r);
  }

  private static HttpResponse error(boolean json, HttpStatus status, Code code, String message) {
    return body(json, status, com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message).build());
  }

  private static HttpResponse body(boolean json, HttpStatus status, Message m) {
    return HttpResponse.of(status, json ? MediaType.JSON : PROTOBUF, encode(json, m));
  }

  static byte[] encode(boolean json, Message m) {
    return json ? OtlpJson.encode(m) : m.toByteArray();
  }
}
