package dev.skein.components.ottl;

/**
 * A condition that could not be decided for one piece of telemetry, e.g. because it indexes into
 * an attribute that holds a string. The filter processor's {@code error_mode} decides what follows.
 */
public final class OttlEvaluationException extends Exception {
  private static final long serialVersionUID = 1L;

  OttlEvaluationException(String message) {
    super(message);
  }
}
