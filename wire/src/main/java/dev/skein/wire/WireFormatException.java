package dev.skein.wire;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;

/**
 * The bytes given to a decoder are not a valid message of the wire format. The failure is
 * permanent: sending the same bytes again fails again, so receivers answer with a client error
 * (HTTP 400, gRPC {@code INVALID_ARGUMENT}) and never retry.
 *
 * <p>Unchecked, because every caller handles it the same way (reject the request with the
 * message) and most decoders run inside frameworks whose callbacks declare no checked exceptions.
 * The message names where the problem is and what was expected, for example
 * {@code resourceSpans[0].scopeSpans[0].spans[0].kind: "SPAN_KIND_SERVER" (expected: an integer;
 * enum names are not supported)}, so it can be returned to the sender as it is.
 */
public final class WireFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How the message names the top-level value, whose path is empty. */
  public static final String ROOT = "(root)";

  private final String path;
  private final String problem;

  /**
   * Creates an exception for the value at {@code path}.
   *
   * @param path where the problem is, in the format's own notation (for JSON,
   *     {@code resourceSpans[0].scopeSpans[0].spans[3].traceId}); empty for the top-level value
   * @param problem the value and what was expected, for example {@code "abc" (expected: an integer)}
   */
  public WireFormatException(String path, String problem) {
    this(path, problem, null);
  }

  /** Like {@link #WireFormatException(String, String)}, keeping the parser's exception as cause. */
  public WireFormatException(String path, String problem, @Nullable Throwable cause) {
    super((requireNonNull(path, "path").isEmpty() ? ROOT : path) + ": "
        + requireNonNull(problem, "problem"), cause);
    this.path = path;
    this.problem = problem;
  }

  /** Where the problem is; empty for the top-level value. */
  public String path() {
    return path;
  }

  /** The problem without the path. */
  public String problem() {
    return problem;
  }
}
