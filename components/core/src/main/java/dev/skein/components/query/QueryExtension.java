package dev.skein.components.query;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.skein.components.storage.StorageExtension;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.server.ServerAuth;
import dev.skein.pipeline.server.Servers;
import dev.skein.query.QueryApi;
import dev.skein.ui.WebUi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the query APIs from one storage backend, and the web UI that reads them; with
 * {@code tls}, over TLS, and with {@code auth}, only to requests the named authenticator accepts
 * (others get 401 with {@code WWW-Authenticate}).
 */
final class QueryExtension implements Component {
  private static final Logger log = LoggerFactory.getLogger(QueryExtension.class);

  private final CreateSettings settings;
  private final QueryExtensionConfig config;
  private Server server;

  QueryExtension(CreateSettings settings, QueryExtensionConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public synchronized void start(Host host) {
    if (server != null) {
      return;
    }
    // The authenticator is found before the port opens, so a wrong ID fails the start with nothing open.
    ServerAuth auth = config.auth == null ? null
        : ServerAuth.forExtension(settings, host, config.auth, "auth", ServerAuth.TEXT);
    ServerBuilder sb = Servers.builder(config.endpoint, config.tls, "tls", 0);
    if (auth != null) {
      // Every route: the APIs, the UI's page and its files, and the answers for unknown paths.
      sb.decorator(auth::decorate);
    }
    QueryApi.register(sb, StorageExtension.find(host, config.backend), dev.skein.query.QueryLimits.builder()
        .maxTracesPerSearch(config.limits.maxTracesPerSearch)
        .maxTimeRange(config.limits.maxTimeRange)
        .maxSpansPerTrace(config.limits.maxSpansPerTrace)
        .regexBudget(config.limits.regexBudget)
        .maxInspectedTraces(config.limits.maxInspectedTraces)
        .build());
    WebUi.register(sb);
    Server s = sb.build();
    try {
      s.start().join();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot listen on " + config.endpoint + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    server = s;
    log.info("query extension \"{}\" listening on {}", settings.id(), s.activeLocalPort());
  }

  /** The port actually bound, useful when the configuration asks for port 0. */
  synchronized int activePort() {
    if (server == null) {
      throw new IllegalStateException("query extension \"" + settings.id() + "\" is not running");
    }
    return server.activeLocalPort();
  }

  @Override
  public synchronized void shutdown() {
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }
}
