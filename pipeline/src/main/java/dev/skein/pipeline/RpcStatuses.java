package dev.skein.pipeline;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import java.time.Duration;

/**
 * How receivers answer a pipeline failure, as the OTLP specification asks: retryable failures
 * become UNAVAILABLE with a {@link RetryInfo} delay (HTTP: 503 with {@code Retry-After}), which
 * clients honour; permanent ones INTERNAL (HTTP: 500), which they do not retry.
 */
public final class RpcStatuses {
  private static final Duration MIN_RETRY_DELAY = Duration.ofSeconds(1);

  private RpcStatuses() {}

  /** The delay to ask a client to wait: the failure's own, and never less than a second. */
  public static Duration retryDelay(PipelineException e) {
    return e.retryAfter().compareTo(MIN_RETRY_DELAY) < 0 ? MIN_RETRY_DELAY : e.retryAfter();
  }

  /** The {@code google.rpc.Status} for {@code e}, with the failure's message. */
  public static com.google.rpc.Status toStatus(PipelineException e) {
    com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder().setMessage(String.valueOf(e.getMessage()));
    if (e.isRetryable()) {
      Duration delay = retryDelay(e);
      b.setCode(Code.UNAVAILABLE_VALUE).addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(com.google.protobuf.Duration.newBuilder()
              .setSeconds(delay.getSeconds()).setNanos(delay.getNano()))
          .build()));
    } else {
      b.setCode(Code.INTERNAL_VALUE);
    }
    return b.build();
  }
}
