package dev.skein.examples.shop.common;

/** Ends a request with an HTTP error status and {@code {"error": message}}. */
public final class HttpError extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  public HttpError(int status, String message) {
    super(message);
    this.status = status;
  }

  public HttpError(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
