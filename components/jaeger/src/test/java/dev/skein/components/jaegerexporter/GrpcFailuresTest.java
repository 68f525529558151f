package dev.skein.components.jaegerexporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.skein.pipeline.PipelineException;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class GrpcFailuresTest {
  @ParameterizedTest
  @CsvSource({
      "CANCELLED, false, RETRYABLE",
      "DEADLINE_EXCEEDED, false, RETRYABLE",
      "ABORTED, false, RETRYABLE",
      "OUT_OF_RANGE, false, RETRYABLE",
      "UNAVAILABLE, false, RETRYABLE",
      "DATA_LOSS, false, RETRYABLE",
      "RESOURCE_EXHAUSTED, false, PERMANENT",
      "RESOURCE_EXHAUSTED, true, OVER_CAPACITY",
      "UNAVAILABLE, true, RETRYABLE",
      "INVALID_ARGUMENT, false, PERMANENT",
      "INTERNAL, false, PERMANENT",
      "UNKNOWN, false, PERMANENT",
      "NOT_FOUND, false, PERMANENT",
      "ALREADY_EXISTS, false, PERMANENT",
      "PERMISSION_DENIED, false, PERMANENT",
      "FAILED_PRECONDITION, false, PERMANENT",
      "UNIMPLEMENTED, false, PERMANENT",
      "UNAUTHENTICATED, false, PERMANENT",
      "INVALID_ARGUMENT, true, PERMANENT",
  })
  void classifiesAsTheOtlpSpecificationDoes(Status.Code code, boolean retryInfo, PipelineException.Kind kind) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage("why");
    if (retryInfo) {
      status.addDetails(Any.pack(RetryInfo.newBuilder()
          .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(3).setNanos(5)).build()));
    }

    PipelineException e = GrpcFailures.classify(StatusProto.toStatusRuntimeException(status.build()), "jaeger:14250");

    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.getMessage()).isEqualTo("sending to the Jaeger collector at jaeger:14250 failed: " + code + ": why");
    if (kind != PipelineException.Kind.PERMANENT) {
      assertThat(e.retryAfter()).as("the server's delay, else none")
          .isEqualTo(retryInfo ? Duration.ofSeconds(3, 5) : Duration.ZERO);
    }
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void retryableExactlyForTheSpecificationsCodes(Status.Code code) {
    boolean retryable = GrpcFailures.classify(Status.fromCode(code).asRuntimeException(), "j:1").isRetryable();

    assertThat(retryable).isEqualTo(code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.ABORTED || code == Status.Code.OUT_OF_RANGE || code == Status.Code.UNAVAILABLE
        || code == Status.Code.DATA_LOSS);
  }

  @Test
  void keepsTheCauseOfATransportFailure() {
    Throwable t = Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused")).asRuntimeException();

    assertThat(GrpcFailures.classify(t, "j:1").getMessage())
        .isEqualTo("sending to the Jaeger collector at j:1 failed: UNAVAILABLE: io exception (Connection refused)");
  }
}
