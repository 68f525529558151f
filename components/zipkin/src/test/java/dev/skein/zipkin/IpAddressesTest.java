package dev.skein.zipkin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Endpoint addresses are normalized the way the Collector (Go's net package) writes them. */
class IpAddressesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "192.168.99.1, 192.168.99.1",
      "0.0.0.0, 0.0.0.0",
      "255.255.255.255, 255.255.255.255",
      "2001:0db8:0000:0000:0000:0000:0000:c001, 2001:db8::c001",
      "2001:DB8::C001, 2001:db8::c001",
      "::1, ::1",
      "::, ::",
      "fe80::, fe80::",
      "::ffff:192.168.99.1, 192.168.99.1",
      "::ffff:c0a8:6301, 192.168.99.1",
      "::1.2.3.4, ::102:304",
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
      "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
      "1:0:0:2:0:0:3:4, 1::2:0:0:3:4",
      "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
  })
  void normalizes(String text, String expected) {
    byte[] ip = IpAddresses.parse(text);

    assertThat(ip).isNotNull();
    assertThat(IpAddresses.format(ip)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "-1.2.3.4", "localhost",
      "1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "g::1", "1:", ":1", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4",
      "12345::1", "1:2:3:4:5:6:7:8::", "[::1]", "fe80::1%eth0", "١.٢.٣.٤"})
  void refuses(String text) {
    assertThat(IpAddresses.parse(text)).isNull();
  }
}
