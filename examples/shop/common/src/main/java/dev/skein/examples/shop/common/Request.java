package dev.skein.examples.shop.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.skein.examples.shop.common.Faults.Fault;
import java.util.Map;
import java.util.Set;

/** One request to a {@link ShopServer} route: its query parameters, headers and JSON body. */
public final class Request {
  private final HttpExchange exchange;
  private final Map<String, String> params;
  private final JsonNode body;

  Request(HttpExchange exchange, Map<String, String> params, JsonNode body) {
    this.exchange = exchange;
    this.params = Map.copyOf(params);
    this.body = body;
  }

  /** The query parameter {@code name}; a request without it is answered 400. */
  public String query(String name) throws HttpError {
    String v = params.get(name);
    if (v == null || v.isBlank()) {
      throw new HttpError(400, "the query parameter " + name + " is missing");
    }
    return v;
  }

  /** The first value of the request header {@code name}, or {@code null}. */
  public String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** The JSON body; an empty object when the request has none. */
  public JsonNode body() {
    return body;
  }

  /** The faults the gateway switched on for this request (the {@link Faults#HEADER} header). */
  public Set<Fault> faults() {
    return Faults.parse(header(Faults.HEADER));
  }
}
