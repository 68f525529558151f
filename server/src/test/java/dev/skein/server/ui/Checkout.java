package dev.skein.server.ui;

import static dev.skein.server.ui.Traces.attr;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.List;

/**
 * The guide's slow checkout: the frontend calls checkout, which reserves stock, runs an 800 ms
 * PostgreSQL query and, in parallel, charges the card, which fails with an exception.
 *
 * <p>Spans (offsets in ms): A frontend GET /checkout [0, 1000]; B frontend auth.verify [5, 25];
 * C checkout POST /orders [30, 980]; D checkout reserve stock [35, 80]; E postgres SELECT orders
 * [90, 890], linked to two other traces; F payment charge card [100, 300], ERROR; G payment fraud check [120, 200]. The
 * critical path runs A, B, C, D, E: F and G overlap the query, which ends later.
 */
final class Checkout {
  static final String A = "a000000000000001";
  static final String B = "a000000000000002";
  static final String C = "c000000000000001";
  static final String D = "c000000000000002";
  static final String E = "e000000000000001";
  static final String F = "f000000000000001";
  static final String G = "f000000000000002";
  static final String H = "c000000000000003";
  /** Traces the query links to: the first is stored by the tests that need it, the second never. */
  static final String LINKED = "11111111111111111111111111111111";
  static final String UNSTORED = "22222222222222222222222222222222";

  /** Tree order, as the waterfall shows it. */
  static final List<String> ORDER = List.of(A, B, C, D, E, F, G);
  static final List<String> CRITICAL = List.of(A, B, C, D, E);
  static final String STACK = "com.example.pay.CardDeclinedException: card declined\n"
      + "\tat com.example.pay.Client.charge(Client.java:42)\n"
      + "\tat com.example.pay.Handler.handle(Handler.java:17)\n"
      + "Caused by: java.net.SocketTimeoutException: Read timed out\n"
      + "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)";

  private Checkout() {}

  static ExportTraceServiceRequest slow(String traceId, long baseNanos) {
    Traces t = new Traces(traceId, baseNanos);
    t.span("frontend", A, null, "GET /checkout", SpanKind.SPAN_KIND_SERVER, 0, 1000)
        .addAttributes(attr("http.request.method", "GET")).addAttributes(attr("http.route", "/checkout"))
        .addAttributes(attr("http.response.status_code", 200));
    t.span("frontend", B, A, "auth.verify", SpanKind.SPAN_KIND_CLIENT, 5, 25);
    t.span("checkout", C, A, "POST /orders", SpanKind.SPAN_KIND_SERVER, 30, 980)
        .addAttributes(attr("order.items", 3));
    t.span("checkout", D, C, "reserve stock", SpanKind.SPAN_KIND_INTERNAL, 35, 80);
    t.span("postgres", E, C, "SELECT orders", SpanKind.SPAN_KIND_CLIENT, 90, 890)
        .addAttributes(attr("db.system", "postgresql"))
        .addAttributes(attr("db.statement", "SELECT * FROM orders WHERE customer_id = $1"))
        .addLinks(Span.Link.newBuilder().setTraceId(ByteString.fromHex(LINKED)).setSpanId(ByteString.fromHex(A))
            .addAttributes(attr("link.reason", "cache warm-up")))
        .addLinks(Span.Link.newBuilder().setTraceId(ByteString.fromHex(UNSTORED)).setSpanId(ByteString.fromHex(A)));
    t.span("payment", F, C, "charge card", SpanKind.SPAN_KIND_SERVER, 100, 300)
        .addAttributes(attr("payment.provider", "acme"))
        .setStatus(Traces.error("card declined"))
        .addEvents(Traces.event(t.nanos(290), "exception",
            attr("exception.type", "com.example.pay.CardDeclinedException"),
            attr("exception.message", "card declined"),
            attr("exception.stacktrace", STACK)));
    t.span("payment", G, F, "fraud check", SpanKind.SPAN_KIND_INTERNAL, 120, 200);
    return t.request();
  }

  /**
   * The same request after a fix: no stock reservation, a cache lookup instead, a 200 ms query,
   * and everything done in 600 ms.
   */
  static ExportTraceServiceRequest fast(String traceId, long baseNanos) {
    Traces t = new Traces(traceId, baseNanos);
    t.span("frontend", A, null, "GET /checkout", SpanKind.SPAN_KIND_SERVER, 0, 600);
    t.span("frontend", B, A, "auth.verify", SpanKind.SPAN_KIND_CLIENT, 5, 25);
    t.span("checkout", C, A, "POST /orders", SpanKind.SPAN_KIND_SERVER, 30, 580);
    t.span("checkout", H, C, "cache lookup", SpanKind.SPAN_KIND_INTERNAL, 35, 40);
    t.span("postgres", E, C, "SELECT orders", SpanKind.SPAN_KIND_CLIENT, 90, 290);
    t.span("payment", F, C, "charge card", SpanKind.SPAN_KIND_SERVER, 100, 300);
    t.span("payment", G, F, "fraud check", SpanKind.SPAN_KIND_INTERNAL, 120, 200);
    return t.request();
  }
}
