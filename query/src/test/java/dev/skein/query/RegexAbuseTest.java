package dev.skein.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.server.Server;
import dev.skein.model.Traces;
import dev.skein.storage.TraceStore;
import dev.skein.storage.memory.MemoryTraceStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A regular expression with exponential backtracking, against a long value in a store that
 * matches with Java's regular expressions, ends with 400 once the default budget of one second
 * is spent, while a query sent at the same time is answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegexAbuseTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  TraceStore store;
  Server server;

  @BeforeAll
  void start() throws Exception {
    store = MemoryTraceStore.create();
    long now = System.currentTimeMillis() * 1_000_000L;
    store.write(Traces.of(List.of(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", "victim")))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(ByteString.fromHex("7f1e0000000000000000000000000009"))
            .setSpanId(ByteString.fromHex("0000000000000001")).setName("GET /")
            .setStartTimeUnixNano(now - 1_000_000).setEndTimeUnixNano(now)
            .addAttributes(kv("payload", "a".repeat(5_000) + "!"))))
        .build()))).get(30, TimeUnit.SECONDS);
    server = QueryApiContract.serve(store, QueryLimits.defaults());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop().join();
    }
    if (store != null) {
      store.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/api/search?q={ span.payload =~ \"(.*a){20}\" }",
      // Structural: decided by the query layer on each candidate trace, not by the store.
      "/api/search?q={ span.payload =~ \"(.*a){20}\" } >> { }",
      "/api/traces?service=victim&tagRegex=payload:(.*a){20}",
  })
  void aCatastrophicRegexEndsWith400AtTheBudget(String path) throws Exception {
    CompletableFuture<HttpResponse<String>> abusive = HTTP.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> normal = HTTP.send(request("/api/traces?service=victim"), HttpResponse.BodyHandlers.ofString());

    assertThat(normal.statusCode()).isEqualTo(200);
    assertThat(normal.body()).contains("7f1e0000000000000000000000000009");
    HttpResponse<String> r = abusive.get(120, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("regular expressions ran longer than the budget of 1000 ms");
  }

  private HttpRequest request(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    StringBuilder url = new StringBuilder("http://127.0.0.1:" + server.activeLocalPort() + pathAndQuery.substring(0, q + 1));
    for (String param : pathAndQuery.substring(q + 1).split("&")) {
      int eq = param.indexOf('=');
      url.append(url.charAt(url.length() - 1) == '?' ? "" : "&").append(param, 0, eq + 1)
          .append(URLEncoder.encode(param.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return HttpRequest.newBuilder(URI.create(url.toString())).GET().build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
