package dev.skein.examples.shop.common;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls another shop service with JSON over the JDK's {@code java.net.http} client. The
 * OpenTelemetry Java agent makes each call a client span and adds the {@code traceparent} header;
 * this class adds the {@link Faults#HEADER} header when there are faults to pass on.
 */
public final class Downstream {
  // HTTP/1.1: the JDK client would otherwise offer an h2c upgrade, which neither the JDK's server
  // nor Node's answers.
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();

  private Downstream() {}

  /** A downstream answer: its status and JSON body (an empty object when it sent none or no JSON). */
  public record Reply(int status, JsonNode body) {
    /** The {@code error} message of a failed reply, or the status. */
    public String error() {
      return body.hasNonNull("error") ? body.get("error").asText() : "HTTP " + status;
    }
  }

  /**
   * {@code GET uri}. A call that takes longer than {@code timeout} throws
   * {@link java.net.http.HttpTimeoutException}.
   */
  public static Reply get(URI uri, String faults, Duration timeout) throws IOException, InterruptedException {
    return send(request(uri, faults, timeout).GET().build());
  }

  /** {@code POST uri} with a JSON body; otherwise as {@link #get}. */
  public static Reply post(URI uri, JsonNode body, String faults, Duration timeout)
      throws IOException, InterruptedException {
    return send(request(uri, faults, timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)))
        .build());
  }

  private static HttpRequest.Builder request(URI uri, String faults, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(requireNonNull(uri, "uri"))
        .timeout(requireNonNull(timeout, "timeout"))
        .header("Accept", "application/json");
    if (faults != null) {
      b.header(Faults.HEADER, faults);
    }
    return b;
  }

  private static Reply send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
    JsonNode body;
    try {
      body = r.body().length == 0 ? Json.object() : Json.MAPPER.readTree(r.body());
    } catch (IOException notJson) {
      body = Json.object();
    }
    return new Reply(r.statusCode(), body);
  }
}
