package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A failure to handle data, classified so that receivers can answer the way the OTLP
 * specification asks: {@link Kind#OVER_CAPACITY} and {@link Kind#RETRYABLE} tell the client to try
 * again later, {@link Kind#PERMANENT} tells it not to.
 */
public final class PipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The classes of failure. */
  public enum Kind { RETRYABLE, OVER_CAPACITY, PERMANENT }

  private final Kind kind;
  private final Duration retryAfter;

  public PipelineException(Kind kind, String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = requireNonNull(kind, "kind");
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
  }

  public static PipelineException overCapacity(String message) {
    return new PipelineException(Kind.OVER_CAPACITY, message, Duration.ofSeconds(1), null);
  }

  /** A failure that may pass on a later try; no particular delay is asked for. */
  public static PipelineException retryable(String message, Throwable cause) {
    return new PipelineException(Kind.RETRYABLE, message, Duration.ZERO, cause);
  }

  /** A failure that may pass on a later try, no sooner than {@code retryAfter}. */
  public static PipelineException retryable(String message, Throwable cause, Duration retryAfter) {
    return new PipelineException(Kind.RETRYABLE, message, retryAfter, cause);
  }

  public static PipelineException permanent(String message, Throwable cause) {
    return new PipelineException(Kind.PERMANENT, message, Duration.ZERO, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** How long a client should wait before retrying; zero when no delay is asked for, and for permanent failures. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public boolean isRetryable() {
    return kind != Kind.PERMANENT;
  }

  /**
   * Unwraps completion wrappers and classifies {@code t}: a {@link PipelineException} as it is,
   * anything else as permanent with its own message kept.
   */
  public static PipelineException classify(Throwable t) {
    Throwable c = t;
    while ((c instanceof java.util.concurrent.CompletionException
        || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof PipelineException) {
      return (PipelineException) c;
    }
    String msg = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    return permanent(msg, c);
  }
}
