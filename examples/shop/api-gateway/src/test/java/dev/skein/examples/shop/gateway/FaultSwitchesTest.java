package dev.skein.examples.shop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.examples.shop.common.Faults.Fault;
import dev.skein.examples.shop.common.HttpError;
import dev.skein.examples.shop.common.Json;
import org.junit.jupiter.api.Test;

class FaultSwitchesTest {
  private final FaultSwitches switches = new FaultSwitches();

  @Test
  void allOffUntilSwitchedOn() throws Exception {
    assertThat(switches.toJson().toString())
        .isEqualTo("{\"slow_inventory\":false,\"payment_timeout\":false,\"error_rate\":0.0}");
    assertThat(switches.draw(0)).isEmpty();

    switches.update(json("{\"slow_inventory\": true, \"error_rate\": 0.25}"));
    assertThat(switches.draw(0.1)).containsExactlyInAnyOrder(Fault.SLOW_INVENTORY, Fault.PAYMENT_ERROR);
    assertThat(switches.draw(0.25)).containsExactly(Fault.SLOW_INVENTORY);

    switches.update(json("{\"payment_timeout\": true}"));
    assertThat(switches.draw(0.9)).containsExactlyInAnyOrder(Fault.SLOW_INVENTORY, Fault.PAYMENT_TIMEOUT);

    assertThat(switches.reset().toString())
        .isEqualTo("{\"slow_inventory\":false,\"payment_timeout\":false,\"error_rate\":0.0}");
  }

  @Test
  void aBadUpdateChangesNothingAndSaysWhy() throws Exception {
    switches.update(json("{\"slow_inventory\": true}"));
    assertThatThrownBy(() -> switches.update(json("{\"payment_timeout\": true, \"error_rate\": 1.5}")))
        .isInstanceOf(HttpError.class).hasMessage("error_rate: 1.5 (expected: a number from 0 to 1)");
    assertThatThrownBy(() -> switches.update(json("{\"slow_inventory\": \"yes\"}")))
        .hasMessage("slow_inventory: \"yes\" (expected: true or false)");
    assertThatThrownBy(() -> switches.update(json("{\"slow_payment\": true}")))
        .hasMessage("slow_payment: unknown switch (expected one of [slow_inventory, payment_timeout, error_rate])");
    assertThatThrownBy(() -> switches.update(json("[true]")))
        .hasMessageStartingWith("the body is [true] (expected: a JSON object");
    assertThat(switches.draw(0)).containsExactly(Fault.SLOW_INVENTORY);
  }

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }
}
