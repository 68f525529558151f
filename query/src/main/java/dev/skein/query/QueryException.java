package dev.skein.query;

import com.linecorp.armeria.common.HttpStatus;

/** A request an API refuses, with the status to answer and a message naming what was wrong. */
final class QueryException extends Exception {
  private static final long serialVersionUID = 1L;
  final HttpStatus status;

  QueryException(HttpStatus status, String message) {
    super(message);
    this.status = status;
  }

  static QueryException badRequest(String message) {
    return new QueryException(HttpStatus.BAD_REQUEST, message);
  }

  /** {@code parameter NAME: "VALUE" (expected: EXPECTED)}. */
  static QueryException badParameter(String name, String value, String expected) {
    return badRequest("parameter " + name + ": \"" + value + "\" (expected: " + expected + ")");
  }

  static QueryException notFound(String message) {
    return new QueryException(HttpStatus.NOT_FOUND, message);
  }
}
