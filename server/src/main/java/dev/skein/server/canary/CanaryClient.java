package dev.skein.server.canary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.model.Nullable;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The canary's HTTP side: it writes a trace over OTLP/HTTP (protobuf) and reads it back through
 * Jaeger's and Tempo's APIs and Tempo's search, each read giving the {@link Problem}s it found.
 * With a token, every request carries {@code Authorization: Bearer <token>}. Thread-safe.
 */
final class CanaryClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int SEARCH_LIMIT = 20;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(TIMEOUT).build();
  private final String target;
  private final URI otlp;
  @Nullable private final String token;

  CanaryClient(URI target, URI otlp, @Nullable String token) {
    String base = target.toString();
    this.target = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.otlp = otlp;
    this.token = token;
  }

  /** Sends the trace; returns null when the server took every span, or why not. */
  @Nullable
  String write(CanaryTrace trace) {
    HttpRequest request = request(otlp).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(trace.request().toByteArray())).build();
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        return "POST " + otlp + ": HTTP " + r.statusCode() + " " + excerpt(r.body());
      }
      if (r.body().length > 0 && r.headers().firstValue("content-type").orElse("").contains("protobuf")) {
        ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(r.body());
        if (answer.getPartialSuccess().getRejectedSpans() > 0) {
          return "POST " + otlp + ": " + answer.getPartialSuccess().getRejectedSpans() + " spans rejected: "
              + answer.getPartialSuccess().getErrorMessage();
        }
      }
      return null;
    } catch (IOException e) {
      return "POST " + otlp + ": " + describe(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "POST " + otlp + ": interrupted";
    }
  }

  /** Reads the trace through {@code check}; an empty list means it came back complete and correct. */
  List<Problem> read(Check check, CanaryTrace trace) {
    String id = trace.traceIdHex();
    switch (check) {
      case JAEGER:
        return fetch("/api/traces/" + id, body -> {
          JsonNode data = JSON.readTree(body).path("data");
          if (data.size() != 1) {
            return List.of(new Problem(Result.INCORRECT, "data: " + data.size() + " traces (expected: 1)"));
          }
          return Comparison.jaeger(trace, data.get(0));
        });
      case TEMPO:
        return fetch("/api/v2/traces/" + id, body -> {
          JsonNode answer = JSON.readTree(body);
          TracesData data = OtlpJson.decode(JSON.writeValueAsBytes(answer.path("trace")), TracesData.getDefaultInstance());
          return Comparison.otlp(trace, data);
        });
      case SEARCH:
        return fetch(searchPath(trace), body -> search(trace, JSON.readTree(body)));
      default:
        throw new IllegalArgumentException("check: " + check);
    }
  }

  /**
   * Tempo's search for the trace's seed: {@code { resource.service.name = "S" && span.canary.seed = N }}
   * between the second the trace started and the second after it ended.
   */
  private static String searchPath(CanaryTrace trace) {
    String q = "{ resource.service.name = \"" + trace.service().replace("\\", "\\\\").replace("\"", "\\\"")
        + "\" && span.canary.seed = " + trace.seed() + " }";
    long start = trace.root().span().getStartTimeUnixNano() / 1_000_000_000L;
    long end = trace.endNanos() / 1_000_000_000L + 1;
    return "/api/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&start=" + start + "&end=" + end
        + "&limit=" + SEARCH_LIMIT;
  }

  private static List<Problem> search(CanaryTrace trace, JsonNode answer) {
    String want = trimZeros(trace.traceIdHex());
    for (JsonNode found : answer.path("traces")) {
      if (!trimZeros(found.path("traceID").asText()).equals(want)) {
        continue;
      }
      List<Problem> problems = new ArrayList<>();
      String service = found.path("rootServiceName").asText(null);
      String name = found.path("rootTraceName").asText(null);
      if (!trace.service().equals(service)) {
        problems.add(new Problem(Result.INCORRECT, "rootServiceName: " + service + " (expected: " + trace.service() + ")"));
      } else if (!trace.root().span().getName().equals(name)) {
        problems.add(new Problem(Result.INCORRECT, "rootTraceName: " + name + " (expected: "
            + trace.root().span().getName() + ")"));
      }
      return problems;
    }
    return List.of(new Problem(Result.NOT_FOUND, "not among the " + answer.path("traces").size()
        + " traces the search returned"));
  }

  /** Tempo may leave out the leading zeros of a trace ID in search results. */
  private static String trimZeros(String hex) {
    int i = 0;
    while (i < hex.length() - 1 && hex.charAt(i) == '0') {
      i++;
    }
    return hex.substring(i).toLowerCase(java.util.Locale.ROOT);
  }

  private interface BodyCheck {
    List<Problem> check(byte[] body) throws IOException;
  }

  private List<Problem> fetch(String path, BodyCheck onOk) {
    URI uri = URI.create(target + path);
    try {
      HttpResponse<byte[]> r = http.send(request(uri).header("Accept", "application/json").GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 404) {
        return List.of(new Problem(Result.NOT_FOUND, "GET " + path + ": HTTP 404"));
      }
      if (r.statusCode() != 200) {
        return List.of(new Problem(Result.ERROR, "GET " + path + ": HTTP " + r.statusCode() + " " + excerpt(r.body())));
      }
      try {
        return onOk.check(r.body());
      } catch (IOException | RuntimeException e) {
        return List.of(new Problem(Result.INCORRECT, "GET " + path + ": the answer cannot be read: " + describe(e)));
      }
    } catch (IOException e) {
      return List.of(new Problem(Result.ERROR, "GET " + path + ": " + describe(e)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of(new Problem(Result.ERROR, "GET " + path + ": interrupted"));
    }
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private static String describe(Exception e) {
    if (e instanceof java.net.ConnectException) {
      return "cannot connect" + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String excerpt(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8).strip();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
