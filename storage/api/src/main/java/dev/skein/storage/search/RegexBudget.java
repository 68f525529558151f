package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A deadline for the regular expressions of one search, starting when the budget is made. Java's
 * matcher can take exponential time; this one reads its input through a view that checks the
 * clock, so a runaway match ends with {@link RegexBudgetExceededException} instead. Thread-safe.
 */
public final class RegexBudget {
  private final Duration budget;
  private final long deadline;

  private RegexBudget(Duration budget) {
    this.budget = budget;
    this.deadline = System.nanoTime() + budget.toNanos();
  }

  /** A budget of {@code budget} from now. */
  public static RegexBudget startingNow(Duration budget) {
    return new RegexBudget(requireNonNull(budget, "budget"));
  }

  /** The budget this deadline was made from. */
  public Duration budget() {
    return budget;
  }

  /**
   * Whether {@code pattern} matches the whole of {@code text}.
   *
   * @throws RegexBudgetExceededException once the deadline has passed
   */
  public boolean matches(Pattern pattern, String text) {
    check();
    return pattern.matcher(new Watched(text)).matches();
  }

  /** Throws {@link RegexBudgetExceededException} if the deadline has passed. */
  public void check() {
    if (System.nanoTime() - deadline > 0) {
      throw new RegexBudgetExceededException(budget);
    }
  }

  /** Characters of a string that look at the clock every few thousand reads. */
  private final class Watched implements CharSequence {
    private final String text;
    private int reads;

    Watched(String text) {
      this.text = text;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0xfff) == 0) {
        check();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Watched(text.substring(start, end));
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
