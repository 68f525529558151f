package dev.skein.components.ottl;

/**
 * A condition that is not in Skein's OTTL subset. The message reads
 * {@code line L, column C: reason}, with the line and column (both from 1) where the problem starts.
 */
public final class OttlParseException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int line;
  private final int column;
  private final String reason;

  OttlParseException(int line, int column, String reason) {
    super("line " + line + ", column " + column + ": " + reason);
    this.line = line;
    this.column = column;
    this.reason = reason;
  }

  /** The line of the problem, from 1. */
  public int line() {
    return line;
  }

  /** The column of the problem, from 1, counted in characters. */
  public int column() {
    return column;
  }

  /** What is wrong, without the position. */
  public String reason() {
    return reason;
  }
}
