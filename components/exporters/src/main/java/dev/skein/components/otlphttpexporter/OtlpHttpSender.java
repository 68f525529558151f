package dev.skein.components.otlphttpexporter;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.skein.components.exporters.internal.Tls;
import dev.skein.exporterhelper.TracesSender;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import dev.skein.pipeline.config.GoDuration;
import dev.skein.wire.WireFormatException;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a batch as one OTLP/HTTP {@code POST} with the JDK's HTTP client, and classifies the answer
 * as the OTLP specification says: 429, 502, 503 and 504 are retried after the
 * {@code Retry-After} delay when there is one, any other 4xx or 5xx is permanent, and a connection
 * that fails or times out is retried.
 */
final class OtlpHttpSender implements TracesSender {
  private static final Logger log = LoggerFactory.getLogger(OtlpHttpSender.class);
  private static final int MAX_MESSAGE = 512;

  private final CreateSettings settings;
  private final OtlpHttpExporterConfig config;
  private final URI uri;
  @Nullable private volatile HttpClient client;

  OtlpHttpSender(CreateSettings settings, OtlpHttpExporterConfig config) {
    this.settings = settings;
    this.config = config;
    this.uri = config.tracesUri();
  }

  @Override
  public void start(Host host) throws IOException {
    HttpClient.Builder b = HttpClient.newBuilder()
        .connectTimeout(config.timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if ("https".equals(uri.getScheme())) {
      b.sslContext(Tls.sslContext(config.tls));
    } else {
      // A plain-text HTTP/2 attempt would add an upgrade round trip that OTLP servers need not support.
      b.version(HttpClient.Version.HTTP_1_1);
    }
    client = b.build();
    log.info("OTLP/HTTP exporter \"{}\" sends to {} ({}{})", settings.id(), uri, config.encoding,
        config.gzip() ? ", gzip" : "");
  }

  @Override
  public CompletableFuture<Void> send(Traces traces) {
    return sendReportingRejected(traces).thenApply(n -> null);
  }

  @Override
  public CompletableFuture<Long> sendReportingRejected(Traces traces) {
    HttpClient c = client;
    if (c == null) {
      return CompletableFuture.failedFuture(PipelineException.retryable(
          "exporter \"" + settings.id() + "\" is not started", null));
    }
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(traces.resourceSpans()).build();
    byte[] body = config.json() ? OtlpJson.encode(request) : request.toByteArray();
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
        .timeout(config.timeout)
        .header("Content-Type", config.json() ? "application/json" : "application/x-protobuf")
        .header("User-Agent", "Skein");
    if (config.gzip()) {
      body = gzip(body);
      rb.header("Content-Encoding", "gzip");
    }
    config.headers.forEach(rb::header);
    if (!traces.tenant().isEmpty() && !config.headers.keySet().stream().anyMatch(dev.skein.model.Tenants.HEADER::equalsIgnoreCase)) {
      // The batch's tenant goes on to the next hop, unless the configuration names one itself.
      rb.header(dev.skein.model.Tenants.HEADER, traces.tenant());
    }
    HttpRequest httpRequest = rb.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return c.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray()).handle((response, t) -> {
      if (t != null) {
        throw failure(t);
      }
      return answer(response);
    });
  }

  private long answer(HttpResponse<byte[]> response) {
    int code = response.statusCode();
    if (code >= 200 && code < 300) {
      return rejected(response);
    }
    String message = "OTLP/HTTP export to " + uri + " failed: HTTP " + code + errorMessage(response);
    if (code == 429 || code == 502 || code == 503 || code == 504) {
      Duration delay = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
      throw new PipelineException(code == 429 ? PipelineException.Kind.OVER_CAPACITY : PipelineException.Kind.RETRYABLE,
          message, delay, null);
    }
    throw PipelineException.permanent(message, null);
  }

  private long rejected(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    if (body.length == 0) {
      return 0;
    }
    ExportTraceServiceResponse r = decode(response, ExportTraceServiceResponse.getDefaultInstance());
    if (r == null || !r.hasPartialSuccess()) {
      return 0;
    }
    ExportTracePartialSuccess p = r.getPartialSuccess();
    if (p.getRejectedSpans() > 0 || !p.getErrorMessage().isEmpty()) {
      log.warn("Exporter \"{}\": the server accepted the request partially: {} spans rejected: {}",
          settings.id(), p.getRejectedSpans(), p.getErrorMessage());
    }
    return p.getRejectedSpans();
  }

  /** The server's {@code google.rpc.Status} message, or the start of a text body. */
  private static String errorMessage(HttpResponse<byte[]> response) {
    com.google.rpc.Status status = decode(response, com.google.rpc.Status.getDefaultInstance());
    if (status != null && !status.getMessage().isEmpty()) {
      return ": " + status.getMessage();
    }
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith("text/") && response.body().length > 0) {
      String text = new String(response.body(), StandardCharsets.UTF_8).strip().replaceAll("\\s*\n\\s*", "; ");
      return ": " + (text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "..." : text);
    }
    return "";
  }

  @Nullable private static <T extends Message> T decode(HttpResponse<byte[]> response, T type) {
    String contentType = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    try {
      if (contentType.startsWith("application/json")) {
        return OtlpJson.decode(response.body(), type);
      }
      if (contentType.startsWith("application/x-protobuf") || contentType.startsWith("application/protobuf")) {
        @SuppressWarnings("unchecked")
        T parsed = (T) type.getParserForType().parseFrom(response.body());
        return parsed;
      }
    } catch (WireFormatException | InvalidProtocolBufferException e) {
      return null;
    }
    return null;
  }

  /** {@code Retry-After} as seconds or as an HTTP date; zero when absent or unreadable. */
  static Duration retryAfter(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return Duration.ZERO;
    }
    String v = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        return Duration.ZERO;
      }
    }
  }

  private PipelineException failure(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (c instanceof PipelineException) {
      return (PipelineException) c;
    }
    String what;
    if (c instanceof HttpTimeoutException) {
      what = "timed out after " + GoDuration.format(config.timeout);
    } else if (c instanceof ConnectException) {
      what = "cannot connect" + (c.getMessage() == null ? "" : ": " + c.getMessage());
    } else {
      what = c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
    String message = "OTLP/HTTP export to " + uri + " failed: " + what;
    if (c instanceof IOException) {
      return new PipelineException(PipelineException.Kind.RETRYABLE, message, Duration.ZERO, c);
    }
    return PipelineException.permanent(message, c);
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }
}
