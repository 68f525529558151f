package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

/**
 * Calls from one service to another: spans of {@code child} whose parent span belongs to
 * {@code parent}.
 *
 * @param callCount the number of such child spans
 */
public record DependencyLink(String parent, String child, long callCount) {
  public DependencyLink {
    requireNonNull(parent, "parent");
    requireNonNull(child, "child");
  }
}
