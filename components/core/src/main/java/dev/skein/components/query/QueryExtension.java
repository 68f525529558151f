package dev.skein.components.query;

import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.skein.components.storage.StorageExtension;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.server.ServerAuth;
import dev.skein.pipeline.server.Servers;
import dev.skein.pipeline.server.Tenancy;
import dev.skein.components.storage.TenantStores;
import dev.skein.storage.TraceStore;
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
    Tenancy tenancy = Tenancy.find(host);
    TenantStores stores = StorageExtension.stores(host, config.backend);
    ServerBuilder sb = Servers.builder(config.endpoint, config.tls, "tls", 0);
    if (auth != null || tenancy != null) {
      // Authentication covers every route: the APIs, the UI's page and files, and unknown paths.
      // A tenant is needed only under /api/: the UI's page and files hold no data, so a browser
      // behind a proxy that adds the tenant's header to its API calls can load them.
      java.util.function.Function<? super HttpService, ? extends HttpService> withTenant =
          Servers.access(auth, tenancy, ServerAuth.TEXT);
      java.util.function.Function<? super HttpService, ? extends HttpService> withoutTenant =
          Servers.access(auth, null, ServerAuth.TEXT);
      sb.decorator(delegate -> {
        HttpService api = withTenant.apply(delegate);
        HttpService other = withoutTenant.apply(delegate);
        return (ctx, req) -> (ctx.path().startsWith("/api/") ? api : other).serve(ctx, req);
      });
    }
    java.util.function.Supplier<TraceStore> readers = tenancy == null
        ? () -> stores.forRead(dev.skein.model.Tenants.NONE)
        : () -> stores.forRead(requestTenant());
    QueryApi.register(sb, readers, dev.skein.query.QueryLimits.builder()
        .maxTracesPerSearch(config.limits.maxTracesPerSearch)
        .maxTimeRange(config.limits.maxTimeRange)
        .maxSpansPerTrace(config.limits.maxSpansPerTrace)
        .regexBudget(config.limits.regexBudget)
        .maxInspectedTraces(config.limits.maxInspectedTraces)
        .storageMaxSpansPerTrace(StorageExtension.maxSpansPerTrace(host, config.backend))
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

  /**
   * The tenant of the API request on this thread. Only requests that passed {@link Tenancy}
   * reach a reader, so a missing tenant is a fault here, never a reason to read another's data.
   */
  private static String requestTenant() {
    com.linecorp.armeria.server.ServiceRequestContext ctx = com.linecorp.armeria.server.ServiceRequestContext.currentOrNull();
    String tenant = ctx == null ? null : ctx.attr(Tenancy.TENANT);
    if (tenant == null) {
      throw new IllegalStateException("no tenant for this request although multitenancy is on");
    }
    return tenant;
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
