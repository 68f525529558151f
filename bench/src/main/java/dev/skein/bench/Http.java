package dev.skein.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Timed GETs for the query benchmarks, over one keep-alive HTTP/1.1 connection per instance. */
final class Http {
  /** A response and how long it took from sending the request to reading the whole body. */
  record Timed(int status, byte[] body, long nanos) {}

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  Timed get(String url) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Timed(r.statusCode(), r.body(), System.nanoTime() - t0);
  }
}
