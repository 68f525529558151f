package dev.skein.components.query;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.skein.components.storage.StorageExtension;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.config.Endpoint;
import dev.skein.query.QueryApi;
import dev.skein.ui.WebUi;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the query APIs from one storage backend, and the web UI that reads them. */
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
    InetSocketAddress a = Endpoint.parse(config.endpoint);
    InetSocketAddress bind = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    ServerBuilder sb = Server.builder().port(bind, SessionProtocol.HTTP);
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

  @Override
  public synchronized void shutdown() {
    if (server != null) {
      server.stop().join();
      server = null;
    }
  }
}
