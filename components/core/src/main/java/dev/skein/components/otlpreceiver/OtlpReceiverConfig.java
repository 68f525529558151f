package dev.skein.components.otlpreceiver;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.config.Endpoint;
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
    int maxConcurrentStreams = 0;
    @Nullable TlsConfig tls;
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable AuthConfig auth;
  }

  static final class HttpConfig {
    String endpoint = "0.0.0.0:4318";
    /** The largest request body, in bytes, both as sent and after decompression. */
    long maxRequestBodySize = 20L * 1024 * 1024;
    String tracesUrlPath = "/v1/traces";
    @Nullable TlsConfig tls;
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    @Nullable HttpAuthConfig auth;
  }

  /** The Collector's {@code auth} settings: the extension that authenticates every request. */
  static class AuthConfig {
    /** The ID of a {@link dev.skein.pipeline.ServerAuthenticator} extension, e.g. {@code basicauth/otlp}. */
    String authenticator = "";
  }

  static final class HttpAuthConfig extends AuthConfig {
    /** Query parameters handed to the authenticator as if they were headers; a parameter wins over a header. */
    List<String> requestParams = new ArrayList<>();
  }

  static final class TlsConfig {
    String certFile = "";
    String keyFile = "";
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

  private static void validateTls(List<String> errors, String path, @Nullable TlsConfig tls) {
    if (tls != null && (tls.certFile.isEmpty() || tls.keyFile.isEmpty())) {
      errors.add(path + ": cert_file and key_file are both required");
    }
  }

  private static void validateAuth(List<String> errors, String path, @Nullable AuthConfig auth) {
    if (auth == null) {
      return;
    }
    if (auth.authenticator.isBlank()) {
      errors.add(path + "::authenticator: missing (expected: the ID of an authenticator extension,"
          + " e.g. bearertokenauth or basicauth/otlp)");
      return;
    }
    try {
      ComponentId.parse(auth.authenticator);
    } catch (IllegalArgumentException e) {
      errors.add(path + "::authenticator: " + e.getMessage());
    }
  }

  private static void addIfPresent(List<String> errors, @Nullable String problem) {
    if (problem != null) {
      errors.add(problem);
    }
  }
}
