package dev.skein.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the UI tests share: a server and a browser that a test class's {@code @BeforeAll} starts
 * (one of each per class, in fresh directories), stopped after the class, and the check after each
 * test that no page script ran from data and that the Content-Security-Policy blocked nothing.
 */
abstract class UiSession {
  @TempDir
  static Path data;
  @TempDir
  static Path profile;
  static UiServer server;
  static Browser browser;

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
      browser = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @AfterEach
  void nothingRanFromDataAndNothingWasBlocked() {
    assertThat(browser.alerts()).isEmpty();
    assertThat(browser.cspViolations()).isEmpty();
  }

  /** The trace IDs the search page lists, in its order. */
  static List<String> resultIds() {
    return browser.all("#trace-list li.trace-item").stream().map(e -> e.getAttribute("data-trace-id")).collect(Collectors.toList());
  }
}
