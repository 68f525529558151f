package dev.skein.examples.shop.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.examples.shop.common.Faults.Fault;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class FaultsTest {
  @Test
  void theHeaderNamesTheFaultsOfOneRequest() {
    assertThat(Faults.format(EnumSet.of(Fault.SLOW_INVENTORY, Fault.PAYMENT_ERROR)))
        .isEqualTo("slow-inventory,payment-error");
    assertThat(Faults.parse("slow-inventory,payment-error"))
        .containsExactlyInAnyOrder(Fault.SLOW_INVENTORY, Fault.PAYMENT_ERROR);
    assertThat(Faults.parse(" Payment-Timeout , something-new")).containsExactly(Fault.PAYMENT_TIMEOUT);
  }

  @Test
  void noFaultsIsNoHeader() {
    assertThat(Faults.format(EnumSet.noneOf(Fault.class))).isNull();
    assertThat(Faults.parse(null)).isEmpty();
    assertThat(Faults.parse("")).isEmpty();
  }
}
