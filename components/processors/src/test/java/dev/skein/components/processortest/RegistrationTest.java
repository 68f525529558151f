package dev.skein.components.processortest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.config.ComponentRegistry;
import org.junit.jupiter.api.Test;

class RegistrationTest {
  @Test
  void everyProcessorIsFoundByItsCollectorType() {
    assertThat(ComponentRegistry.load().types(ComponentKind.PROCESSOR)).contains("attributes", "filter",
        "memory_limiter", "probabilistic_sampler", "resource");
  }
}
