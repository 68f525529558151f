package dev.skein.components.jaegerreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.config.ComponentRegistry;
import dev.skein.pipeline.config.ConfigBinder;
import dev.skein.pipeline.config.ConfigException;
import dev.skein.pipeline.config.ResolvedConfig;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JaegerReceiverConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void grpcWithNoSettingsTakesTheCollectorsDefaults() throws Exception {
    JaegerReceiverConfig c = bind("{'protocols': {'grpc': null}}");

    assertThat(c.protocols.grpc).isNotNull();
    assertThat(c.protocols.grpc.endpoint).isEqualTo("0.0.0.0:14250");
    assertThat(c.protocols.grpc.maxRecvMsgSizeMib).isEqualTo(4);
    assertThat(c.protocols.grpc.tls).isNull();
    assertThat(c.validate()).isEmpty();
  }

  @Test
  void noProtocolIsAnError() throws Exception {
    assertThat(bind("{}").validate()).containsExactly("protocols: none enabled (expected: grpc)");
  }

  @ParameterizedTest
  @CsvSource({"thrift_http", "thrift_compact", "thrift_binary"})
  void refusesTheThriftProtocolsNamingTheKey(String protocol) throws Exception {
    JaegerReceiverConfig c = bind("{'protocols': {'grpc': null, '" + protocol + "': {'endpoint': '0.0.0.0:1'}}}");

    assertThat(c.validate()).containsExactly("protocols::" + protocol + ": not supported by Skein; use grpc"
        + " (Jaeger's api_v2 CollectorService), or send OTLP to the otlp receiver");
  }

  @Test
  void refusesAThriftProtocolNamedWithoutSettings() throws Exception {
    assertThat(bind("{'protocols': {'thrift_compact': null}}").validate())
        .containsExactly("protocols::thrift_compact: not supported by Skein; use grpc"
            + " (Jaeger's api_v2 CollectorService), or send OTLP to the otlp receiver");
  }

  @Test
  void reportsEveryBadGrpcSetting() throws Exception {
    JaegerReceiverConfig c = bind("{'protocols': {'grpc': {'endpoint': 'localhost', 'max_recv_msg_size_mib': 0,"
        + " 'tls': {'cert_file': 'a.pem'}}}}");

    assertThat(c.validate()).containsExactly(
        "protocols::grpc::endpoint: \"localhost\" (expected: host:port with a port from 0 to 65535)",
        "protocols::grpc::max_recv_msg_size_mib: 0 (expected: from 1 to 2047)",
        "protocols::grpc::tls::cert_file: \"a.pem\" cannot be read (expected: a readable PEM file)",
        "protocols::grpc::tls::key_file: missing (expected: key_file or key_pem,"
            + " the PEM private key of the certificate)");
  }

  @Test
  void rejectsUnknownKeys() {
    assertThatThrownBy(() -> bind("{'protocols': {'grpc': {'endpont': ':1'}}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "receivers::jaeger::protocols::grpc::endpont: unknown key (did you mean \"endpoint\"?)");
  }

  @Test
  void theRegisteredFactoryReportsErrorsUnderTheReceiversPath() throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(("{'receivers': {'jaeger': {'protocols': {'thrift_http': null}}},"
        + " 'exporters': {'jaeger': {'endpoint': 'collector:14250'}},"
        + " 'service': {'pipelines': {'traces': {'receivers': ['jaeger'], 'exporters': ['jaeger']}}}}")
        .replace('\'', '"'));

    assertThat(ComponentRegistry.load().find(ComponentKind.RECEIVER, "jaeger")).isPresent();
    assertThatThrownBy(() -> ResolvedConfig.resolve(root, ComponentRegistry.load()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("receivers::jaeger::protocols::thrift_http: not supported by Skein; use grpc"
            + " (Jaeger's api_v2 CollectorService), or send OTLP to the otlp receiver");
  }

  static JaegerReceiverConfig bind(String json) throws ConfigException, IOException {
    return ConfigBinder.bind(JSON.readTree(json.replace('\'', '"')), new JaegerReceiverFactory().createDefaultConfig(),
        "receivers::jaeger");
  }
}
