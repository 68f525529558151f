package dev.skein.query.traceql;

/**
 * A TraceQL query that cannot be run: a syntax error, or a construct Skein does not support. The
 * message names the line and column (both from 1) where the problem starts.
 */
public final class TraceQlException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int line;
  private final int column;

  TraceQlException(String message, int line, int column) {
    super("line " + line + ", column " + column + ": " + message);
    this.line = line;
    this.column = column;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
