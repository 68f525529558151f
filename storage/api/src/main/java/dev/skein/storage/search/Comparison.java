package dev.skein.storage.search;

/**
 * How a field is compared with a value. Regular expressions ({@link #MATCHES},
 * {@link #NOT_MATCHES}) must match the whole text, as TraceQL's do.
 */
public enum Comparison {
  EQ("="),
  NE("!="),
  GT(">"),
  GE(">="),
  LT("<"),
  LE("<="),
  MATCHES("=~"),
  NOT_MATCHES("!~");

  private final String symbol;

  Comparison(String symbol) {
    this.symbol = symbol;
  }

  /** The operator as TraceQL writes it. */
  public String symbol() {
    return symbol;
  }

  /** Whether this is {@link #GT}, {@link #GE}, {@link #LT} or {@link #LE}. */
  public boolean isOrdering() {
    return this == GT || this == GE || this == LT || this == LE;
  }

  /** Whether this is {@link #MATCHES} or {@link #NOT_MATCHES}. */
  public boolean isRegex() {
    return this == MATCHES || this == NOT_MATCHES;
  }

  /** Applies this ordering or equality comparison to the result of a {@code compareTo}. */
  public boolean test(int comparison) {
    switch (this) {
      case EQ: return comparison == 0;
      case NE: return comparison != 0;
      case GT: return comparison > 0;
      case GE: return comparison >= 0;
      case LT: return comparison < 0;
      case LE: return comparison <= 0;
      default: throw new IllegalStateException(this + " is not an ordering or equality comparison");
    }
  }
}
