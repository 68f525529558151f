package dev.skein.query.explain;

import dev.skein.query.explain.SpanTree.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * The critical path below a root, as Jaeger computes it and as the web UI's waterfall draws it
 * (model.js, {@code criticalPath}): from the root's end, walk back; the child that finished last
 * before the current point is on the path, and its parent is on the path only where no child was
 * running. A child's end is clipped to its parent's end.
 */
final class CriticalPath {
  private CriticalPath() {}

  static void mark(Node root) {
    Set<Node> used = new HashSet<>();
    Node cur = root;
    Long until = null;
    int guard = 0;
    while (cur != null && guard++ < 1_000_000) {
      long end = until == null ? limitOf(cur) : until;
      Node best = null;
      long bestEnd = Long.MIN_VALUE;
      for (Node c : cur.children) {
        if (used.contains(c)) {
          continue;
        }
        long cEnd = Math.min(c.end, limitOf(cur));
        if (cEnd > end || cEnd < cur.start) {
          continue;
        }
        if (best == null || cEnd > bestEnd || (cEnd == bestEnd && c.start < best.start)) {
          best = c;
          bestEnd = cEnd;
        }
      }
      if (best != null) {
        if (bestEnd < end) {
          add(cur, bestEnd, end);
        }
        used.add(best);
        cur = best;
        until = null;
      } else {
        add(cur, cur.start, end);
        if (cur == root) {
          break;
        }
        until = Math.max(cur.start, cur.parent.start);
        cur = cur.parent;
      }
    }
    // A span with a zero-length section is still on the path: the chain went through it.
    for (Node s : used) {
      if (s.critical == null) {
        s.critical = new ArrayList<>();
      }
    }
    if (root.critical == null) {
      root.critical = new ArrayList<>();
    }
  }

  private static long limitOf(Node s) {
    return s.parent != null ? Math.min(s.end, s.parent.end) : s.end;
  }

  private static void add(Node s, long a, long b) {
    if (b < a) {
      return;
    }
    if (s.critical == null) {
      s.critical = new ArrayList<>();
    }
    s.critical.add(new long[] {a, b});
  }
}
