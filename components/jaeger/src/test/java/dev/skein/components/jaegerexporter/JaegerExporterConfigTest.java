package dev.skein.components.jaegerexporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JaegerExporterConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void defaultsAreTheCollectors() throws Exception {
    JaegerExporterConfig c = bind("{'endpoint': 'jaeger-collector:14250'}");

    assertThat(c.validate()).isEmpty();
    assertThat(c.host()).isEqualTo("jaeger-collector");
    assertThat(c.port()).isEqualTo(14250);
    assertThat(c.timeout).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.tls.insecure).isFalse();
    assertThat(c.headers).isEmpty();
    assertThat(c.sendingQueue.enabled()).isTrue();
    assertThat(c.sendingQueue.queueSize()).isEqualTo(1000);
    assertThat(c.retryOnFailure.enabled()).isTrue();
    assertThat(c.retryOnFailure.initialInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void bindsEverySetting() throws Exception {
    JaegerExporterConfig c = bind("{'endpoint': '[::1]:14250', 'compression': 'gzip', 'timeout': '250ms',"
        + " 'headers': {'X-Tenant': 'a'},"
        + " 'tls': {'insecure_skip_verify': true, 'ca_file': 'ca.pem', 'cert_file': 'c.pem', 'key_file': 'k.pem',"
        + " 'server_name_override': 'jaeger'},"
        + " 'sending_queue': {'enabled': false}, 'retry_on_failure': {'max_elapsed_time': '1m'}}");

    assertThat(c.validate()).isEmpty();
    assertThat(c.host()).isEqualTo("::1");
    assertThat(c.timeout).isEqualTo(Duration.ofMillis(250));
    assertThat(c.headers).containsEntry("X-Tenant", "a");
    assertThat(c.tls.insecureSkipVerify).isTrue();
    assertThat(c.tls.caFile).isEqualTo("ca.pem");
    assertThat(c.tls.serverNameOverride).isEqualTo("jaeger");
    assertThat(c.sendingQueue.enabled()).isFalse();
    assertThat(c.retryOnFailure.maxElapsedTime()).isEqualTo(Duration.ofMinutes(1));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{}| endpoint: missing (expected: the Jaeger collector's gRPC host:port, e.g. jaeger:14250)",
      "{'endpoint': 'jaeger'}| endpoint: \"jaeger\" (expected: host:port with a port from 0 to 65535)",
      "{'endpoint': ':14250'}| endpoint: \":14250\" (expected: host:port with a host and a port from 1 to 65535)",
      "{'endpoint': 'jaeger:0'}| endpoint: \"jaeger:0\" (expected: host:port with a host and a port from 1 to 65535)",
      "{'endpoint': 'j:1', 'tls': {'cert_file': 'c.pem'}}| tls: cert_file and key_file must be given together"
          + " (expected: both or neither)",
      "{'endpoint': 'j:1', 'headers': {'x-id-bin': 'a'}}| headers::x-id-bin: invalid name (expected: letters,"
          + " digits, '-', '_' or '.', not ending in -bin nor starting with grpc-)",
      "{'endpoint': 'j:1', 'headers': {'bad header': 'a'}}| headers::bad header: invalid name (expected: letters,"
          + " digits, '-', '_' or '.', not ending in -bin nor starting with grpc-)",
      "{'endpoint': 'j:1', 'compression': 'zstd'}| compression: \"zstd\" (expected: gzip or none)",
      "{'endpoint': 'j:1', 'timeout': '-1s'}| timeout: -1s (expected: >= 0, where 0 means none)",
      "{'endpoint': 'j:1', 'sending_queue': {'queue_size': 0}}| sending_queue::queue_size: 0 (expected: > 0)",
      "{'endpoint': 'j:1', 'retry_on_failure': {'multiplier': 0.5}}|"
          + " retry_on_failure::multiplier: 0.5 (expected: >= 1)",
  })
  void reportsProblemsByKey(String json, String problem) throws Exception {
    assertThat(bind(json).validate()).containsExactly(problem);
  }

  @Test
  void rejectsUnknownKeys() {
    assertThatThrownBy(() -> bind("{'endpoint': 'j:1', 'tls': {'insecure_skip_verfy': true}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("exporters::jaeger::tls::insecure_skip_verfy: unknown key"
            + " (did you mean \"insecure_skip_verify\"?)");
  }

  static JaegerExporterConfig bind(String json) throws ConfigException, IOException {
    return ConfigBinder.bind(JSON.readTree(json.replace('\'', '"')), new JaegerExporterFactory().createDefaultConfig(),
        "exporters::jaeger");
  }
}
