package dev.skein.examples.shop.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.examples.shop.common.Downstream;
import dev.skein.examples.shop.common.Faults;
import dev.skein.examples.shop.common.HttpError;
import dev.skein.examples.shop.common.Json;
import dev.skein.examples.shop.common.Response;
import dev.skein.examples.shop.common.ShopServer;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The shop's front door. {@code POST /orders} places an order through order-service;
 * {@code GET}, {@code POST} and {@code DELETE /faults} read, set and reset the fault switches
 * (see {@link FaultSwitches}), which travel with each order in the {@link Faults#HEADER} header.
 *
 * <p>Environment: {@code PORT} (8080), {@code HOST} (127.0.0.1), {@code ORDER_SERVICE_URL}
 * ({@code http://127.0.0.1:8081}).
 */
public final class ApiGateway {
  // Long enough for the slowest order the faults make (an 800 ms query, then a 1 s payment timeout).
  private static final Duration ORDER_TIMEOUT = Duration.ofSeconds(5);

  private final URI orders;
  private final FaultSwitches switches = new FaultSwitches();

  ApiGateway(URI orderService) {
    this.orders = orderService.resolve("/orders");
  }

  public static void main(String[] args) throws IOException {
    ApiGateway gateway = new ApiGateway(URI.create(ShopServer.env("ORDER_SERVICE_URL", "http://127.0.0.1:8081")));
    ShopServer.create("api-gateway", 8080)
        .route("POST", "/orders", req -> gateway.placeOrder(req.body()))
        .route("GET", "/faults", req -> Response.json(200, gateway.switches.toJson()))
        .route("POST", "/faults", req -> Response.json(200, gateway.switches.update(req.body())))
        .route("DELETE", "/faults", req -> Response.json(200, gateway.switches.reset()))
        .start();
  }

  /**
   * Passes the order on and answers with order-service's status and body plus the {@code trace_id};
   * 502 when order-service cannot be reached, 504 when it does not answer in time.
   */
  Response placeOrder(JsonNode body) throws HttpError, InterruptedException {
    ObjectNode order = Json.object()
        .put("user_id", Json.text(body, "user_id", "user-1"))
        .put("sku", Json.text(body, "sku", "SKU-1001"))
        .put("quantity", Json.integer(body, "quantity", 1, 1))
        .put("source", Json.text(body, "source", "api"));
    String faults = Faults.format(switches.draw(ThreadLocalRandom.current().nextDouble()));
    Downstream.Reply reply;
    try {
      reply = Downstream.post(orders, order, faults, ORDER_TIMEOUT);
    } catch (HttpTimeoutException e) {
      throw new HttpError(504, "order-service did not answer within " + ORDER_TIMEOUT.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new HttpError(502, "order-service is unreachable: " + e.getMessage(), e);
    }
    ObjectNode answer = reply.body().isObject() ? (ObjectNode) reply.body() : Json.object();
    answer.put("trace_id", Span.current().getSpanContext().getTraceId());
    return Response.json(reply.status(), answer);
  }
}
