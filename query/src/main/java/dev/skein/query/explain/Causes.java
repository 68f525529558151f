package dev.skein.query.explain;

import dev.skein.model.Nullable;
import dev.skein.query.explain.Explanation.Cause;
import dev.skein.query.explain.Explanation.Kind;
import dev.skein.query.explain.Explanation.RecordedException;
import dev.skein.query.explain.SpanTree.Node;
import dev.skein.storage.analytics.Baseline;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Finds and ranks the likely causes of a trace's latency and failure. The scoring is described in
 * docs/explain.md; in short, a score is the share of the request a cause accounts for, weighted
 * by how unusual the span is against its baseline, and a failed request's error origin or timeout
 * outranks slowness.
 */
final class Causes {
  /** A baseline with fewer spans says too little to call a span unusual. */
  static final int MIN_BASELINE_SPANS = 10;
  /** Causes scoring lower are left out (an error or a timeout never is). */
  static final double MIN_SCORE = 0.05;
  static final int MAX_CAUSES = 10;
  /** How many siblings of one operation make a fan-out. */
  static final int FAN_OUT_MIN_CALLS = 10;
  /** The share of its parent a fan-out must cover. */
  static final double FAN_OUT_MIN_PARENT_SHARE = 0.3;
  /** A fan-out whose calls overlap less than this (union over sum) ran one after another. */
  static final double SEQUENTIAL = 0.8;
  static final double FAN_OUT_SEQUENTIAL_WEIGHT = 0.95;
  static final double FAN_OUT_PARALLEL_WEIGHT = 0.6;
  static final double GAP_WEIGHT = 0.8;
  /**
   * The weight of a span that takes its usual time: where the time goes matters even when it
   * always goes there.
   */
  static final double USUAL_WEIGHT = 0.3;
  /** The error origin's score when the root failed, and when the request still succeeded. */
  static final double ERROR_ROOT_FAILED = 0.9;
  static final double ERROR_HANDLED = 0.3;
  /** A timeout's server side that ran for less than this share of the call was cut short or never ran. */
  static final double TIMEOUT_MAX_SERVER_SHARE = 0.5;
  /** Far above the baseline: beyond p99 and at least this many times p50. */
  static final double FAR_ABOVE_P50 = 3;
  static final double TIMEOUT_BONUS = 0.05;
  private static final Pattern TIMEOUT = Pattern.compile("(?i).*(time[ds]? ?out|deadline).*", Pattern.DOTALL);

  private final SpanTree tree;
  private final Function<Node, Baseline> baselines;
  private final long total;
  private final List<Node> errors;
  private final @Nullable Node origin;
  private final List<Cause> causes = new ArrayList<>();
  /** Spans that already have a latency cause (timeout, fan-out member). */
  private final Set<Node> claimed = new HashSet<>();

  Causes(SpanTree tree, Function<Node, Baseline> baselines, List<Node> errors, @Nullable Node origin) {
    this.tree = tree;
    this.baselines = baselines;
    this.total = tree.root == null ? 0 : tree.root.duration();
    this.errors = errors;
    this.origin = origin;
  }

  List<Cause> rank() {
    if (tree.root == null) {
      return List.of();
    }
    timeouts();
    error();
    fanOuts();
    criticalSpans();
    causes.sort(Comparator.comparingDouble(Cause::score).reversed().thenComparing(Cause::kind));
    List<Cause> out = new ArrayList<>();
    for (Cause c : causes) {
      boolean always = c.kind() == Kind.ERROR || c.kind() == Kind.TIMEOUT;
      if ((always || c.score() >= MIN_SCORE) && out.size() < MAX_CAUSES) {
        out.add(c);
      }
    }
    return out;
  }

  private double errorScore() {
    return tree.root.error ? ERROR_ROOT_FAILED : ERROR_HANDLED;
  }

  private double share(long nanos) {
    return total <= 0 ? 0 : Math.min(1, (double) nanos / total);
  }

  private void timeouts() {
    for (Node n : tree.order) {
      if (!n.error || n.span.getKind() != SpanKind.SPAN_KIND_CLIENT) {
        continue;
      }
      RecordedException ex = Explainer.exception(n);
      String said = null;
      for (String text : new String[] {n.span.getStatus().getMessage(), ex == null ? "" : ex.message(),
          ex == null ? "" : ex.type()}) {
        if (said == null && TIMEOUT.matcher(text).matches()) {
          said = text;
        }
      }
      Baseline b = usable(baselines.apply(n));
      boolean farAbove = b != null && n.duration() > b.p99Nanos() && n.duration() >= FAR_ABOVE_P50 * b.p50Nanos();
      if (said == null && !farAbove) {
        continue;
      }
      Node server = null;
      for (Node c : n.children) {
        if (server == null || c.duration() > server.duration()) {
          server = c;
        }
      }
      // A called side that ran most of the call is a slow server, not a timeout, unless the
      // caller said it gave up: then the server was still working when it did.
      boolean serverRanLong = server != null && server.duration() > TIMEOUT_MAX_SERVER_SHARE * n.duration();
      if (serverRanLong && said == null) {
        continue;
      }
      double score = Math.min(1, Math.max(share(n.duration()), errorScore()) + TIMEOUT_BONUS);
      StringBuilder text = new StringBuilder(label(n)).append(" timed out after ").append(Texts.duration(n.duration()));
      if (said != null) {
        text.append(" (\"").append(Texts.shorten(said.replaceAll("\\s+", " ").trim(), 80)).append("\")");
      } else {
        text.append(" (").append(Texts.times(ratio(n.duration(), b.p50Nanos()))).append(" its usual p50 of ")
            .append(Texts.duration(b.p50Nanos())).append(")");
      }
      text.append(", ").append(Texts.percent(share(n.duration()))).append(" of the request; ");
      if (server == null) {
        text.append("no span of the called side was received");
      } else if (!serverRanLong) {
        text.append("the called side, ").append(label(server)).append(", took only ")
            .append(Texts.duration(server.duration()));
      } else {
        long serverEnd = subtreeEnd(server);
        long callEnd = n.span.getEndTimeUnixNano();
        text.append("the called side, ").append(label(server)).append(", took ")
            .append(Texts.duration(server.duration()));
        if (Long.compareUnsigned(serverEnd, callEnd) > 0) {
          text.append(" and was still working ").append(Texts.duration(serverEnd - callEnd))
              .append(" after the caller gave up");
        }
      }
      claimed.add(n);
      causes.add(new Cause(Kind.TIMEOUT, n.spanId, n.service, n.operation(), round(score), text.toString()));
    }
  }

  /** When the last span of {@code root}'s subtree ended: work may go on below a span that answered. */
  private static long subtreeEnd(Node root) {
    long end = root.span.getEndTimeUnixNano();
    java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(root.children);
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      if (Long.compareUnsigned(n.span.getEndTimeUnixNano(), end) > 0) {
        end = n.span.getEndTimeUnixNano();
      }
      todo.addAll(n.children);
    }
    return end;
  }

  private void error() {
    if (origin == null || claimed.contains(origin)) {
      // A timeout at the origin already tells the failure.
      return;
    }
    RecordedException ex = Explainer.exception(origin);
    StringBuilder text = new StringBuilder(label(origin)).append(" failed");
    if (ex != null && !(ex.type().isEmpty() && ex.message().isEmpty())) {
      text.append(" with ").append(ex.type().isEmpty() ? "an exception" : ex.type());
      if (!ex.message().isEmpty()) {
        text.append(": ").append(Texts.shorten(ex.message().replaceAll("\\s+", " ").trim(), 80));
      }
    } else if (!origin.span.getStatus().getMessage().isEmpty()) {
      text.append(": ").append(Texts.shorten(origin.span.getStatus().getMessage().replaceAll("\\s+", " ").trim(), 80));
    }
    text.append(errors.size() == 1 ? ", the only span with status ERROR"
        : ", the deepest of " + errors.size() + " spans with status ERROR");
    text.append(tree.root.error ? "" : "; the request itself succeeded");
    causes.add(new Cause(Kind.ERROR, origin.spanId, origin.service, origin.operation(), round(errorScore()),
        text.toString()));
  }

  private void fanOuts() {
    for (Node parent : tree.order) {
      Map<String, List<Node>> groups = new LinkedHashMap<>();
      for (Node c : parent.children) {
        groups.computeIfAbsent(c.service + "\u0000" + c.operation(), k -> new ArrayList<>()).add(c);
      }
      for (List<Node> g : groups.values()) {
        if (g.size() < FAN_OUT_MIN_CALLS || parent.duration() <= 0) {
          continue;
        }
        List<long[]> iv = new ArrayList<>();
        long sum = 0;
        for (Node c : g) {
          long a = Math.max(c.start, parent.start);
          long b = Math.min(c.end, parent.end);
          if (b > a) {
            iv.add(new long[] {a, b});
            sum += b - a;
          }
        }
        long union = SpanTree.union(iv);
        double parentShare = (double) union / parent.duration();
        if (parentShare < FAN_OUT_MIN_PARENT_SHARE) {
          continue;
        }
        boolean sequential = union >= SEQUENTIAL * sum;
        double score = share(union) * (sequential ? FAN_OUT_SEQUENTIAL_WEIGHT : FAN_OUT_PARALLEL_WEIGHT);
        Node first = g.get(0);
        long durations = 0;
        for (Node c : g) {
          durations += c.duration();
        }
        String text = label(first) + " ran " + g.size() + " times under " + label(parent) + ", "
            + (sequential ? "one after another" : "partly in parallel") + ": " + Texts.duration(union) + " in all, "
            + Texts.percent(parentShare) + " of its parent and " + Texts.percent(share(union)) + " of the request ("
            + Texts.duration(durations / g.size()) + " a call on average)";
        claimed.addAll(g);
        causes.add(new Cause(Kind.FAN_OUT, first.spanId, first.service, first.operation(), round(score), text));
      }
    }
  }

  private void criticalSpans() {
    for (Node n : tree.order) {
      long c = n.criticalNanos();
      if (n.critical == null || c <= 0 || claimed.contains(n)) {
        continue;
      }
      Baseline b = usable(baselines.apply(n));
      double weight = USUAL_WEIGHT + (1 - USUAL_WEIGHT) * anomaly(n.duration(), b);
      if (n.children.isEmpty()) {
        String text = label(n) + " took " + Texts.duration(n.duration()) + ", " + Texts.percent(share(c))
            + " of the request" + compared(n.duration(), b, " and ");
        causes.add(new Cause(Kind.SLOW_SPAN, n.spanId, n.service, n.operation(), round(share(c) * weight), text));
      } else {
        String text = label(n) + " worked " + Texts.duration(c) + " on its own while none of its "
            + n.children.size() + (n.children.size() == 1 ? " child span ran, " : " child spans ran, ")
            + Texts.percent(share(c)) + " of the request; it took " + Texts.duration(n.duration()) + " in all"
            + compared(n.duration(), b, ", ");
        causes.add(new Cause(Kind.GAP, n.spanId, n.service, n.operation(), round(share(c) * weight * GAP_WEIGHT), text));
      }
    }
  }

  /**
   * How unusual a duration is, from 0 to 1: the part of it above the baseline's p50, halved
   * unless it is above p99; 0.5 when there is no usable baseline.
   */
  static double anomaly(long duration, @Nullable Baseline b) {
    if (b == null) {
      return 0.5;
    }
    double excess = duration <= b.p50Nanos() || duration <= 0 ? 0 : (double) (duration - b.p50Nanos()) / duration;
    return duration > b.p99Nanos() ? 0.5 + 0.5 * excess : 0.5 * excess;
  }

  private static String compared(long duration, @Nullable Baseline b, String joint) {
    if (b == null) {
      return " (no baseline to compare with)";
    }
    double r = ratio(duration, b.p50Nanos());
    if (r >= 2) {
      return joint + Texts.times(r) + " its usual p50 (" + Texts.duration(b.p50Nanos()) + ")";
    }
    if (duration > b.p99Nanos()) {
      return joint + "above its usual p99 (" + Texts.duration(b.p99Nanos()) + ")";
    }
    return ", about as long as usual (p50 " + Texts.duration(b.p50Nanos()) + ", p99 "
        + Texts.duration(b.p99Nanos()) + ")";
  }

  private static double ratio(long a, long b) {
    return (double) a / Math.max(1, b);
  }

  static @Nullable Baseline usable(@Nullable Baseline b) {
    return b == null || b.count() < MIN_BASELINE_SPANS ? null : b;
  }

  private static String label(Node n) {
    return Texts.label(n.service, n.operation());
  }

  private static double round(double score) {
    return Math.round(score * 1000) / 1000.0;
  }
}
