package dev.skein.components.otlpreceiver;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.pipeline.server.ServerAuthConfig;
import dev.skein.pipeline.server.Servers;
import dev.skein.pipeline.server.TlsServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Collector's {@code otlp} receiver settings. A protocol is enabled by naming it under
 * {@code protocols}, even with no settings ({@code grpc:}).
 */
final class OtlpReceiverConfig implements ComponentConfig {
  Protocols protocols = new Protocols();

  static final class Protocols {
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable GrpcConfig grpc;

    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable HttpConfig http;
  }

  static final class GrpcConfig {
    String endpoint = "0.0.0.0:4317";
    /** The largest message, in MiB, after decompression. */
    int maxRecvMsgSizeMib = 4;
    /** The most concurrent calls on one connection; 0 for {@link Servers#DEFAULT_MAX_CONCURRENT_STREAMS}. */
    int maxConcurrentStreams = 0;
    @Nullable TlsServerConfig tls;
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable ServerAuthConfig auth;
  }

  static final class HttpConfig {
    String endpoint = "0.0.0.0:4318";
    /** The largest request body, in bytes, both as sent and after decompression. */
    long maxRequestBodySize = 20L * 1024 * 1024;
    String tracesUrlPath = "/v1/traces";
    @Nullable TlsServerConfig tls;
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable HttpAuthConfig auth;
  }

  /** The Collector's HTTP {@code auth} settings, with {@code request_params}. */
  static final class HttpAuthConfig extends ServerAuthConfig {
    /** Query parameters handed to the authenticator as if they were headers; a parameter wins over a header. */
    List<String> requestParams = new ArrayList<>();
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (protocols.grpc == null && protocols.http == null) {
      errors.add("protocols: none enabled (expected: grpc, http or both)");
    }
    if (protocols.grpc != null) {
      GrpcConfig g = protocols.grpc;
      addIfPresent(errors, Endpoint.problem("protocols::grpc::endpoint", g.endpoint));
      if (g.maxRecvMsgSizeMib <= 0) {
        errors.add("protocols::grpc::max_recv_msg_size_mib: " + g.maxRecvMsgSizeMib + " (expected: > 0)");
      }
      if (g.maxConcurrentStreams < 0) {
        errors.add("protocols::grpc::max_concurrent_streams: " + g.maxConcurrentStreams + " (expected: >= 0)");
      }
      validateTls(errors, "protocols::grpc::tls", g.tls);
      validateAuth(errors, "protocols::grpc::auth", g.auth);
    }
    if (protocols.http != null) {
      HttpConfig h = protocols.http;
      addIfPresent(errors, Endpoint.problem("protocols::http::endpoint", h.endpoint));
      if (h.maxRequestBodySize <= 0) {
        errors.add("protocols::http::max_request_body_size: " + h.maxRequestBodySize + " (expected: > 0)");
      }
      if (!h.tracesUrlPath.startsWith("/")) {
        errors.add("protocols::http::traces_url_path: \"" + h.tracesUrlPath + "\" (expected: a path starting with /)");
      }
      validateTls(errors, "protocols::http::tls", h.tls);
      validateAuth(errors, "protocols::http::auth", h.auth);
      if (h.auth != null) {
        for (int i = 0; i < h.auth.requestParams.size(); i++) {
          String p = h.auth.requestParams.get(i);
          if (p == null || p.isBlank()) {
            errors.add("protocols::http::auth::request_params[" + i + "]: \"\" (expected: a query parameter name)");
          }
        }
      }
    }
    return errors;
  }

  private static void validateTls(List<String> errors, String path, @Nullable TlsServerConfig tls) {
    if (tls != null) {
      errors.addAll(tls.validate(path));
    }
  }

  private static void validateAuth(List<String> errors, String path, @Nullable ServerAuthConfig auth) {
    if (auth != null) {
      errors.addAll(auth.validate(path));
    }
  }

  private static void addIfPresent(List<String> errors, @Nullable String problem) {
    if (problem != null) {
      errors.add(problem);
    }
  }
}
