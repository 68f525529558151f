package dev.skein.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Timed GETs for the query benchmarks, over the JDK's blocking {@link HttpURLConnection}, which
 * keeps the connection alive between requests and does its work on the calling thread.
 *
 * <p>Not {@code java.net.http.HttpClient}: it hands each request between its selector thread and
 * an executor, and on a 2-core machine shared with the server under test that added its own
 * latency. Reading the same 2,329 traces of a 10-million-span store from a warm Skein, one at a
 * time, took p50 3.9 ms and p99 12.6 ms with curl, p50 3.4 to 4.2 ms and p99 10.6 to 13.0 ms with
 * this client, and p50 5.0 to 5.7 ms and p99 15.2 to 28.1 ms with {@code HttpClient}.
 */
final class Http {
  /** A response and how long it took from sending the request to reading the whole body. */
  record Timed(int status, byte[] body, long nanos) {}

  Timed get(String url) throws IOException {
    long t0 = System.nanoTime();
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setConnectTimeout(10_000);
    c.setReadTimeout(60_000);
    int status = c.getResponseCode();
    byte[] body;
    // Reading the whole body, error or not, returns the connection to the keep-alive cache.
    try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
      body = in == null ? new byte[0] : in.readAllBytes();
    }
    return new Timed(status, body, System.nanoTime() - t0);
  }
}
