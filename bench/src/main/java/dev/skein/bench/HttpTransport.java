package dev.skein.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * POSTs bodies over HTTP/1.1 on a connection of its own: OTLP/HTTP protobuf to {@code /v1/traces}
 * or Zipkin v2 JSON to {@code /api/v2/spans}.
 */
final class HttpTransport implements Transport {
  private final HttpClient client;
  private final URI uri;
  private final String contentType;

  HttpTransport(URI uri, String contentType) {
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    this.uri = uri;
    this.contentType = contentType;
  }

  @Override
  public Outcome send(byte[] body) throws InterruptedException {
    HttpResponse<byte[]> r;
    try {
      r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return Outcome.retryable("HTTP request failed: " + e);
    }
    int status = r.statusCode();
    if (status == 200 || status == 202) {
      return Outcome.accepted(rejectedSpans(r));
    }
    String detail = describe(status, r.headers().firstValue("Content-Type").orElse(""), r.body());
    // The OTLP/HTTP specification's retryable statuses.
    return status == 429 || status == 502 || status == 503 || status == 504
        ? Outcome.retryable(detail) : Outcome.permanent(detail);
  }

  /**
   * A refusal as one line: OTLP/HTTP sends a {@code google.rpc.Status} in the request's encoding,
   * so a protobuf body is decoded to its message; any other body is shown as text.
   */
  static String describe(int status, String contentType, byte[] body) {
    if (contentType.startsWith(Workload.Encoding.OTLP_PROTOBUF.contentType)) {
      try {
        return "HTTP " + status + ": " + Status.parseFrom(body).getMessage();
      } catch (InvalidProtocolBufferException e) {
        return "HTTP " + status + ": " + body.length + " bytes that are not a google.rpc.Status";
      }
    }
    return "HTTP " + status + ": " + new String(body, StandardCharsets.UTF_8).strip();
  }

  private long rejectedSpans(HttpResponse<byte[]> r) {
    if (r.body().length == 0 || !contentType.equals(Workload.Encoding.OTLP_PROTOBUF.contentType)) {
      return 0;
    }
    try {
      ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(r.body());
      return response.hasPartialSuccess() ? response.getPartialSuccess().getRejectedSpans() : 0;
    } catch (InvalidProtocolBufferException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    // HttpClient has no close in Java 17; its connections end with the client's last reference.
  }
}
