package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

/**
 * The UI of a server with multitenancy, in Chromium: it asks for a tenant, sends it in
 * {@code X-Scope-OrgID} with every API call, keeps it across page loads, and shows only that
 * tenant's traces.
 */
class UiTenantIT extends UiSession {
  static final String ACME = "7a000000000000000000000000000001";
  static final String GLOBEX = "7b000000000000000000000000000002";


  @BeforeAll
  static void start() throws Exception {
    server = new UiServer(data, UiTenantIT::withMultitenancy);
    long now = System.currentTimeMillis() * 1_000_000L;
    server.send(Checkout.slow(ACME, now - 240_000_000_000L), "acme");
    server.send(Checkout.fast(GLOBEX, now - 120_000_000_000L), "globex");
    server.awaitTrace(ACME, "acme");
    server.awaitTrace(GLOBEX, "globex");
    browser = new Browser(profile);
  }

  /** The default configuration with the multitenancy extension on. */
  static String withMultitenancy(String yaml) {
    String on = yaml.replace("extensions:\n  storage:", "extensions:\n  multitenancy: {}\n  storage:")
        .replace("extensions: [storage, query, health_check]", "extensions: [multitenancy, storage, query, health_check]");
    assertThat(on).as("the default configuration, changed").contains("  multitenancy: {}", "[multitenancy, storage");
    return on;
  }

  void useTenant(String tenant) {
    WebElement input = browser.find("#tenant-id");
    input.clear();
    input.sendKeys(tenant);
    browser.find("#tenant-use").click();
  }

  @Test
  void theTopBarAsksForATenantAndTheUiShowsOnlyThatTenantsTraces() throws Exception {
    browser.open(server.url("/search"));
    assertThat(browser.find("#main .notice.error").getText()).contains("no tenant");
    assertThat(browser.find("#tenant-form").isDisplayed()).as("the tenant field, once the server asked for a tenant").isTrue();

    useTenant("acme");
    browser.until(d -> resultIds().equals(List.of(ACME)));
    browser.awaitReady();
    browser.screenshot("tenant");

    // Kept across page loads; another tenant's trace is not found, as an unknown one.
    browser.open(server.url("/trace/" + GLOBEX));
    assertThat(browser.find("#main .notice.error").getText()).isEqualTo("No trace with ID " + GLOBEX + " is stored.");
    assertThat(browser.find("#tenant-id").getAttribute("value")).isEqualTo("acme");
    browser.open(server.url("/trace/" + ACME));
    assertThat(browser.all("#waterfall-body .row")).hasSize(Checkout.ORDER.size());

    // Another tenant: the page shown is read again for it.
    useTenant("globex");
    browser.until(d -> !browser.all("#main .notice.error").isEmpty());
    assertThat(browser.find("#main .notice.error").getText()).isEqualTo("No trace with ID " + ACME + " is stored.");
    browser.open(server.url("/search"));
    assertThat(resultIds()).containsExactly(GLOBEX);
  }
}
