package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpTransportTest {
  @Test
  void describesAProtobufRefusalByItsStatusMessage() {
    byte[] body = Status.newBuilder().setCode(14).setMessage("data refused due to high memory usage").build()
        .toByteArray();
    assertThat(HttpTransport.describe(503, "application/x-protobuf", body))
        .isEqualTo("HTTP 503: data refused due to high memory usage");
    assertThat(HttpTransport.describe(503, "application/x-protobuf", new byte[] {(byte) 0xff}))
        .isEqualTo("HTTP 503: 1 bytes that are not a google.rpc.Status");
  }

  @Test
  void describesAnyOtherRefusalAsText() {
    assertThat(HttpTransport.describe(429, "application/json",
        "{\"message\":\"slow down\"}\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("HTTP 429: {\"message\":\"slow down\"}");
  }
}
