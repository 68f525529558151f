package dev.skein.storage.search;

import java.time.Duration;

/** A search whose regular expressions ran longer than its budget; the search was abandoned. */
public final class RegexBudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RegexBudgetExceededException(Duration budget) {
    super("regular expressions ran longer than the budget of " + budget.toMillis()
        + " ms (expected: a simpler pattern or a narrower search)");
  }
}
