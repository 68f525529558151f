package dev.skein.components.ottl;

import static java.util.Objects.requireNonNull;

/**
 * A parsed OTTL condition in Skein's subset (documented in OTTL.md): comparisons of span fields,
 * attributes and literals joined with {@code and}, {@code or}, {@code not} and parentheses, plus
 * the converter {@code IsMatch}. Parsing resolves every path, enum and function, so a condition
 * that parses can only fail at evaluation time by indexing into a value of the wrong type.
 * Immutable and thread-safe.
 */
public final class Condition {
  private final String source;
  private final Context context;
  private final Expr.Bool expr;

  private Condition(String source, Context context, Expr.Bool expr) {
    this.source = source;
    this.context = context;
    this.expr = expr;
  }

  /**
   * Parses {@code source} for {@code context}.
   *
   * @throws OttlParseException naming the line, column and problem
   */
  public static Condition parse(String source, Context context) throws OttlParseException {
    requireNonNull(source, "source");
    requireNonNull(context, "context");
    return new Condition(source, context, Parser.parse(source, context));
  }

  /**
   * Evaluates the condition against {@code subject}.
   *
   * @throws OttlEvaluationException when the condition cannot be decided for this subject
   * @throws IllegalArgumentException when the context is {@link Context#SPANEVENT} and the subject
   *     has no event
   */
  public boolean matches(Subject subject) throws OttlEvaluationException {
    requireNonNull(subject, "subject");
    if (context == Context.SPANEVENT && subject.event() == null) {
      throw new IllegalArgumentException("subject: no event (expected: an event for a spanevent condition)");
    }
    return expr.eval(subject);
  }

  public String source() {
    return source;
  }

  public Context context() {
    return context;
  }

  @Override
  public String toString() {
    return source;
  }
}
