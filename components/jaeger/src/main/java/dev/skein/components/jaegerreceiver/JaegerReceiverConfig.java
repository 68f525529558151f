package dev.skein.components.jaegerreceiver;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.server.ServerAuthConfig;
import dev.skein.pipeline.server.Servers;
import dev.skein.pipeline.server.TlsServerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Collector's {@code jaeger} receiver settings. As in the Collector, no protocol runs unless
 * it is named under {@code protocols}, even with no settings ({@code grpc:}).
 */
final class JaegerReceiverConfig implements ComponentConfig {
  Protocols protocols = new Protocols();

  static final class Protocols {
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable GrpcConfig grpc;

    /** Accepted as keys so that validation can name them; Skein serves none of them. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable Unsupported thriftHttp;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable Unsupported thriftCompact;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable Unsupported thriftBinary;
  }

  static final class GrpcConfig {
    String endpoint = "0.0.0.0:14250";
    /** The largest message, in MiB, after decompression. */
    int maxRecvMsgSizeMib = 4;
    /** The most concurrent calls on one connection; 0 for {@link Servers#DEFAULT_MAX_CONCURRENT_STREAMS}. */
    int maxConcurrentStreams = 0;
    @Nullable TlsServerConfig tls;
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable ServerAuthConfig auth;
  }

  /** A protocol section whose settings are not read, whatever they are. */
  static final class Unsupported {
    @JsonAnySetter
    Map<String, Object> settings = new LinkedHashMap<>();
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    unsupported(errors, "thrift_http", protocols.thriftHttp);
    unsupported(errors, "thrift_compact", protocols.thriftCompact);
    unsupported(errors, "thrift_binary", protocols.thriftBinary);
    GrpcConfig g = protocols.grpc;
    if (g == null) {
      if (errors.isEmpty()) {
        errors.add("protocols: none enabled (expected: grpc)");
      }
      return errors;
    }
    String endpointProblem = Endpoint.problem("protocols::grpc::endpoint", g.endpoint);
    if (endpointProblem != null) {
      errors.add(endpointProblem);
    }
    if (g.maxRecvMsgSizeMib <= 0 || g.maxRecvMsgSizeMib > 2047) {
      errors.add("protocols::grpc::max_recv_msg_size_mib: " + g.maxRecvMsgSizeMib
          + " (expected: from 1 to 2047)");
    }
    if (g.maxConcurrentStreams < 0) {
      errors.add("protocols::grpc::max_concurrent_streams: " + g.maxConcurrentStreams + " (expected: >= 0)");
    }
    if (g.tls != null) {
      errors.addAll(g.tls.validate("protocols::grpc::tls"));
    }
    if (g.auth != null) {
      errors.addAll(g.auth.validate("protocols::grpc::auth"));
    }
    return errors;
  }

  private static void unsupported(List<String> errors, String key, @Nullable Unsupported section) {
    if (section != null) {
      errors.add("protocols::" + key + ": not supported by Skein; use grpc (Jaeger's api_v2"
          + " CollectorService), or send OTLP to the otlp receiver");
    }
  }
}
