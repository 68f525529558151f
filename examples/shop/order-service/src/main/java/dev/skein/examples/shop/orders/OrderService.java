package dev.skein.examples.shop.orders;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.examples.shop.common.Downstream;
import dev.skein.examples.shop.common.Faults;
import dev.skein.examples.shop.common.Json;
import dev.skein.examples.shop.common.Request;
import dev.skein.examples.shop.common.Response;
import dev.skein.examples.shop.common.ShopServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Places orders: {@code POST /orders} checks the item with inventory, charges payment, and wraps
 * both in the business span {@code order.process}, written by hand as in the guide's Step 2 (the
 * HTTP spans around it come from the Java agent).
 *
 * <p>Environment: {@code PORT} (8081), {@code HOST} (127.0.0.1), {@code INVENTORY_URL}
 * ({@code http://127.0.0.1:8082}), {@code PAYMENT_URL} ({@code http://127.0.0.1:8083}),
 * {@code PAYMENT_TIMEOUT_MS} (1000).
 */
public final class OrderService {
  private static final Duration INVENTORY_TIMEOUT = Duration.ofSeconds(3);

  // Under the Java agent, GlobalOpenTelemetry is the agent's SDK: these spans join the agent's.
  private final Tracer tracer = GlobalOpenTelemetry.getTracer("order-service", "1.0.0");
  private final URI inventory;
  private final URI payments;
  private final Duration paymentTimeout;

  OrderService(URI inventory, URI payment, Duration paymentTimeout) {
    this.inventory = inventory;
    this.payments = payment.resolve("/payments");
    this.paymentTimeout = paymentTimeout;
  }

  public static void main(String[] args) throws IOException {
    OrderService service = new OrderService(
        URI.create(ShopServer.env("INVENTORY_URL", "http://127.0.0.1:8082")),
        URI.create(ShopServer.env("PAYMENT_URL", "http://127.0.0.1:8083")),
        Duration.ofMillis(ShopServer.intEnv("PAYMENT_TIMEOUT_MS", 1000)));
    ShopServer.create("order-service", 8081)
        .route("POST", "/orders", service::placeOrder)
        .start();
  }

  /** The item as inventory knows it. */
  private record Item(String sku, long priceCents, long stock) {}

  /** An authorized payment as payment answers it. */
  private record Payment(String transactionId, String method, long gatewayLatencyMs) {}

  Response placeOrder(Request request) throws Exception {
    JsonNode body = request.body();
    String userId = Json.text(body, "user_id", "user-1");
    String sku = Json.text(body, "sku", "SKU-1001");
    int quantity = Json.integer(body, "quantity", 1, 1);
    String source = Json.text(body, "source", "api");
    String faults = request.header(Faults.HEADER);
    String orderId = "ord-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);

    Span span = tracer.spanBuilder("order.process").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      // Business context, searchable in the tracing UI.
      span.setAttribute("order.id", orderId);
      span.setAttribute("user.id", userId);
      span.setAttribute("order.source", source);

      Item item = checkInventory(sku, quantity, faults); // the JDBC query nests under inventory's span
      long amountCents = item.priceCents * quantity;
      Payment payment = chargePayment(orderId, userId, amountCents, faults);

      span.setAttribute("payment.transaction_id", payment.transactionId);
      span.setAttribute("payment.amount_usd", amountCents / 100.0);
      // A timestamped event: like a log line, but attached to the trace.
      span.addEvent("payment.authorized", Attributes.of(
          stringKey("payment.method"), payment.method,
          longKey("payment.gateway_latency_ms"), payment.gatewayLatencyMs));
      span.setStatus(StatusCode.OK);
      ObjectNode answer = Json.object()
          .put("order_id", orderId)
          .put("status", "confirmed")
          .put("sku", sku)
          .put("quantity", quantity)
          .put("amount_usd", amountCents / 100.0)
          .put("transaction_id", payment.transactionId);
      return Response.json(201, answer);
    } catch (OrderException e) {
      // The exception with its stack trace, and ERROR: what the tracing backend shows and alerts on.
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getMessage());
      return Response.json(e.status, Json.object()
          .put("order_id", orderId)
          .put("status", "failed")
          .put("error", e.getMessage()));
    } finally {
      span.end();
    }
  }

  private Item checkInventory(String sku, int quantity, String faults) throws OrderException, InterruptedException {
    URI uri = inventory.resolve("/items?sku=" + URLEncoder.encode(sku, StandardCharsets.UTF_8));
    Downstream.Reply reply;
    try {
      reply = Downstream.get(uri, faults, INVENTORY_TIMEOUT);
    } catch (HttpTimeoutException e) {
      throw new OrderException(504, "inventory did not answer within " + INVENTORY_TIMEOUT.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new OrderException(502, "inventory is unreachable: " + e, e);
    }
    if (reply.status() == 404) {
      throw new OrderException(404, "unknown sku " + sku);
    }
    if (reply.status() != 200) {
      throw new OrderException(502, "inventory failed: " + reply.error());
    }
    Item item = new Item(sku, reply.body().path("price_cents").asLong(), reply.body().path("stock").asLong());
    if (item.stock < quantity) {
      throw new OrderException(409, "only " + item.stock + " of " + sku + " in stock (ordered: " + quantity + ")");
    }
    return item;
  }

  private Payment chargePayment(String orderId, String userId, long amountCents, String faults)
      throws OrderException, InterruptedException {
    ObjectNode charge = Json.object()
        .put("order_id", orderId)
        .put("user_id", userId)
        .put("amount_cents", amountCents);
    Downstream.Reply reply;
    try {
      reply = Downstream.post(payments, charge, faults, paymentTimeout);
    } catch (HttpTimeoutException e) {
      throw new OrderException(504, "payment did not answer within " + paymentTimeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new OrderException(502, "payment is unreachable: " + e, e);
    }
    if (reply.status() != 201) {
      throw new OrderException(502, "payment failed: " + reply.error());
    }
    JsonNode p = reply.body();
    return new Payment(p.path("transaction_id").asText(), p.path("method").asText(), p.path("gateway_latency_ms").asLong());
  }
}
