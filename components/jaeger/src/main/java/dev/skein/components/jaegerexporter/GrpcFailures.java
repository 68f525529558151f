package dev.skein.components.jaegerexporter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.skein.model.Nullable;
import dev.skein.pipeline.PipelineException;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Classifies a failed gRPC call the way the OTLP specification classifies OTLP/gRPC responses,
 * which is also what the Collector's exporters did for Jaeger: the codes that mean "try again"
 * are retryable, RESOURCE_EXHAUSTED only when the server sent a {@link RetryInfo} (it is then over
 * capacity), and every other code is permanent.
 */
final class GrpcFailures {
  static final Set<Status.Code> RETRYABLE = EnumSet.of(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED,
      Status.Code.ABORTED, Status.Code.OUT_OF_RANGE, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);

  private GrpcFailures() {}

  /**
   * @param target the endpoint, for the message
   * @return the failure as a {@link PipelineException} that keeps the server's description and,
   *     from a {@link RetryInfo}, its retry delay (zero without one)
   */
  static PipelineException classify(Throwable t, String target) {
    Status status = Status.fromThrowable(t);
    if (status.getCode() == Status.Code.UNKNOWN && !(t instanceof io.grpc.StatusRuntimeException)
        && !(t instanceof io.grpc.StatusException)) {
      return PipelineException.permanent("sending to the Jaeger collector at " + target + " failed: "
          + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()), t);
    }
    String description = status.getDescription() == null ? "" : status.getDescription();
    // grpc-java appends the channel pipeline to transport errors on further lines; the root cause
    // (a refused connection, an untrusted certificate) is what a reader needs.
    int newline = description.indexOf('\n');
    String message = "sending to the Jaeger collector at " + target + " failed: " + status.getCode()
        + (description.isEmpty() ? "" : ": " + (newline < 0 ? description : description.substring(0, newline)))
        + rootCause(status.getCause());
    Duration delay = retryDelay(t);
    if (RETRYABLE.contains(status.getCode())) {
      // Zero when the server asked for no delay, so that the exporter helper's backoff decides.
      return new PipelineException(PipelineException.Kind.RETRYABLE, message,
          delay == null ? Duration.ZERO : delay, t);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && delay != null) {
      return new PipelineException(PipelineException.Kind.OVER_CAPACITY, message, delay, t);
    }
    return PipelineException.permanent(message, t);
  }

  private static String rootCause(@Nullable Throwable cause) {
    if (cause == null) {
      return "";
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return " (" + m + ")";
  }

  private static @Nullable Duration retryDelay(Throwable t) {
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details == null) {
      return null;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }
}
