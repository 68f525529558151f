package dev.skein.storage.search;

import static java.util.Objects.requireNonNull;

/**
 * Calls from one service to another: spans of {@code child} whose parent span belongs to
 * {@code parent}.
 *
 * @param callCount the number of such child spans
 * @param errorCount how many of those child spans have status code ERROR
 */
public record DependencyLink(String parent, String child, long callCount, long errorCount) {
  public DependencyLink {
    requireNonNull(parent, "parent");
    requireNonNull(child, "child");
  }
}
