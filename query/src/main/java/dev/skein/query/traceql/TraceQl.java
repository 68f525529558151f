package dev.skein.query.traceql;

import static java.util.Objects.requireNonNull;

/**
 * Parses Skein's TraceQL subset: spanset filters over intrinsics and span, resource and unscoped
 * attributes; {@code &&}, {@code ||} and the structural operators {@code >}, {@code >>},
 * {@code <}, {@code ~} between spansets; and pipelines of spanset filters, {@code count()},
 * {@code avg()}, {@code min()}, {@code max()}, {@code sum()} compared with a value, and
 * {@code select()}. Everything else fails with a {@link TraceQlException} saying where and what is
 * not supported.
 */
public final class TraceQl {
  private TraceQl() {}

  /**
   * Parses {@code text}.
   *
   * @throws TraceQlException with the line and column of the first problem
   */
  public static TraceQlQuery parse(String text) throws TraceQlException {
    requireNonNull(text, "text");
    Parser p = new Parser(Lexer.tokens(text));
    Ast.Spanset ast = p.parse();
    return new TraceQlQuery(text, ast, p.selected, p.referenced);
  }
}
