package dev.skein.examples.shop.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.examples.shop.common.Faults.Fault;
import dev.skein.examples.shop.common.HttpError;
import dev.skein.examples.shop.common.Json;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The gateway's fault switches, read and set at runtime through {@code /faults}:
 * {@code slow_inventory} and {@code payment_timeout} (on or off) and {@code error_rate} (the
 * fraction of orders whose payment fails, 0 to 1). Updates are all-or-nothing.
 */
final class FaultSwitches {
  static final List<String> KEYS = List.of("slow_inventory", "payment_timeout", "error_rate");

  private volatile State state = new State(false, false, 0);

  private record State(boolean slowInventory, boolean paymentTimeout, double errorRate) {}

  /** The faults one order plays; {@code random} is uniform in [0, 1) and decides the error rate. */
  Set<Fault> draw(double random) {
    State s = state;
    Set<Fault> faults = EnumSet.noneOf(Fault.class);
    if (s.slowInventory) {
      faults.add(Fault.SLOW_INVENTORY);
    }
    if (s.paymentTimeout) {
      faults.add(Fault.PAYMENT_TIMEOUT);
    }
    if (random < s.errorRate) {
      faults.add(Fault.PAYMENT_ERROR);
    }
    return faults;
  }

  /** Applies the keys given in {@code update}; on any invalid key or value nothing changes. */
  synchronized ObjectNode update(JsonNode update) throws HttpError {
    if (!update.isObject()) {
      throw new HttpError(400, "the body is " + update + " (expected: a JSON object with any of " + KEYS + ")");
    }
    State s = state;
    boolean slow = s.slowInventory;
    boolean timeout = s.paymentTimeout;
    double rate = s.errorRate;
    for (Iterator<String> it = update.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      JsonNode v = update.get(key);
      switch (key) {
        case "slow_inventory" -> slow = bool(key, v);
        case "payment_timeout" -> timeout = bool(key, v);
        case "error_rate" -> {
          if (!v.isNumber() || v.doubleValue() < 0 || v.doubleValue() > 1) {
            throw new HttpError(400, "error_rate: " + v + " (expected: a number from 0 to 1)");
          }
          rate = v.doubleValue();
        }
        default -> throw new HttpError(400, key + ": unknown switch (expected one of " + KEYS + ")");
      }
    }
    state = new State(slow, timeout, rate);
    return toJson();
  }

  synchronized ObjectNode reset() {
    state = new State(false, false, 0);
    return toJson();
  }

  ObjectNode toJson() {
    State s = state;
    return Json.object()
        .put("slow_inventory", s.slowInventory)
        .put("payment_timeout", s.paymentTimeout)
        .put("error_rate", s.errorRate);
  }

  private static boolean bool(String key, JsonNode v) throws HttpError {
    if (!v.isBoolean()) {
      throw new HttpError(400, key + ": " + v + " (expected: true or false)");
    }
    return v.booleanValue();
  }
}
