package dev.skein.query.explain;

import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.Resources;
import dev.skein.model.Traces;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trace's spans as a tree, built the way the web UI's waterfall builds it (model.js), so that the
 * server and the browser agree: a span whose parent is not stored is a root; of several spans
 * with one ID the first is the parent of its children; spans caught in a parent cycle become
 * roots; children are ordered by start, then end. Each node gets its depth and its self time.
 */
final class SpanTree {
  /** One span and its place in the tree. Times are epoch nanoseconds. */
  static final class Node {
    final int index;
    final Span span;
    final String spanId;
    final String parentId;
    final String service;
    final long start;
    final long end;
    final boolean error;
    @Nullable Node parent;
    final List<Node> children = new ArrayList<>();
    int depth;
    /** The position in depth-first order. */
    int rank;
    long self;
    /** The sections of the critical path this span itself accounts for, or null when off the path. */
    @Nullable List<long[]> critical;

    Node(int index, Span span, String service) {
      this.index = index;
      this.span = span;
      this.spanId = Hex.encode(span.getSpanId());
      this.parentId = Hex.encode(span.getParentSpanId());
      this.service = service;
      this.start = span.getStartTimeUnixNano();
      this.end = Math.max(span.getEndTimeUnixNano(), span.getStartTimeUnixNano());
      this.error = span.getStatus().getCode() == StatusCode.STATUS_CODE_ERROR;
    }

    long duration() {
      return end - start;
    }

    String operation() {
      return span.getName();
    }

    long criticalNanos() {
      long sum = 0;
      if (critical != null) {
        for (long[] s : critical) {
          sum += s[1] - s[0];
        }
      }
      return sum;
    }
  }

  static final Comparator<Node> BY_START = Comparator.<Node>comparingLong(n -> n.start)
      .thenComparingLong(n -> n.end).thenComparingInt(n -> n.index);

  final List<Node> nodes;
  /** Depth first, children by start: the waterfall's rows. */
  final List<Node> order;
  final List<Node> roots;
  /** The longest root, whose end the critical path explains; null for an empty trace. */
  final @Nullable Node root;
  final long startNanos;
  final long endNanos;

  private SpanTree(List<Node> nodes, List<Node> order, List<Node> roots, @Nullable Node root, long start, long end) {
    this.nodes = nodes;
    this.order = order;
    this.roots = roots;
    this.root = root;
    this.startNanos = start;
    this.endNanos = end;
  }

  static SpanTree of(Traces traces) {
    List<Node> nodes = new ArrayList<>();
    traces.forEachSpan((rs, ss, span) -> nodes.add(new Node(nodes.size(), span, Resources.serviceName(rs.getResource()))));
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Node n : nodes) {
      min = Math.min(min, n.start);
      max = Math.max(max, n.end);
    }
    if (nodes.isEmpty()) {
      min = 0;
      max = 0;
    }
    Map<String, Node> byId = new HashMap<>();
    for (Node n : nodes) {
      if (!n.spanId.isEmpty()) {
        byId.putIfAbsent(n.spanId, n);
      }
    }
    List<Node> roots = new ArrayList<>();
    for (Node n : nodes) {
      Node p = n.parentId.isEmpty() ? null : byId.get(n.parentId);
      if (p != null && p != n) {
        n.parent = p;
        p.children.add(n);
      } else {
        roots.add(n);
      }
    }
    for (Node n : nodes) {
      n.children.sort(BY_START);
    }
    roots.sort(BY_START);
    List<Node> order = new ArrayList<>(nodes.size());
    Set<Node> seen = new HashSet<>();
    for (Node r : List.copyOf(roots)) {
      visit(r, order, seen);
    }
    for (Node n : nodes) {
      if (!seen.contains(n)) {
        if (n.parent != null) {
          n.parent.children.remove(n);
          n.parent = null;
        }
        roots.add(n);
        visit(n, order, seen);
      }
    }
    for (Node n : nodes) {
      n.self = selfTime(n);
    }
    Node main = null;
    for (Node r : roots) {
      if (main == null || r.duration() > main.duration()) {
        main = r;
      }
    }
    SpanTree tree = new SpanTree(nodes, order, roots, main, min, max);
    if (main != null) {
      CriticalPath.mark(main);
    }
    return tree;
  }

  private static void visit(Node root, List<Node> order, Set<Node> seen) {
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      Node n = (Node) top[0];
      if (!seen.add(n)) {
        continue;
      }
      n.depth = (Integer) top[1];
      n.rank = order.size();
      order.add(n);
      for (int i = n.children.size() - 1; i >= 0; i--) {
        stack.push(new Object[] {n.children.get(i), n.depth + 1});
      }
    }
  }

  /** The span's duration not covered by any child, children clipped to the span. */
  static long selfTime(Node s) {
    if (s.children.isEmpty()) {
      return s.duration();
    }
    List<long[]> iv = new ArrayList<>();
    for (Node c : s.children) {
      long a = Math.max(c.start, s.start);
      long b = Math.min(c.end, s.end);
      if (b > a) {
        iv.add(new long[] {a, b});
      }
    }
    return Math.max(0, s.duration() - union(iv));
  }

  /** The total length of the union of intervals {@code [a, b]}. */
  static long union(List<long[]> intervals) {
    List<long[]> iv = new ArrayList<>(intervals);
    iv.sort(Comparator.comparingLong(x -> x[0]));
    long covered = 0;
    long curA = 0;
    long curB = Long.MIN_VALUE;
    for (long[] x : iv) {
      if (curB == Long.MIN_VALUE || x[0] > curB) {
        if (curB != Long.MIN_VALUE) {
          covered += curB - curA;
        }
        curA = x[0];
        curB = x[1];
      } else if (x[1] > curB) {
        curB = x[1];
      }
    }
    if (curB != Long.MIN_VALUE) {
      covered += curB - curA;
    }
    return covered;
  }
}
