package dev.skein.query;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServerBuilder;
import dev.skein.storage.TraceReader;

/**
 * The HTTP query APIs over one reader, all on one server:
 * <ul>
 *   <li>Jaeger's API v1 ({@code /api/traces}, {@code /api/traces/{id}}, {@code /api/services},
 *       {@code /api/services/{s}/operations}, {@code /api/operations}, {@code /api/dependencies});
 *   <li>Jaeger's API v3 over HTTP ({@code /api/v3/traces}, {@code /api/v3/traces/{id}},
 *       {@code /api/v3/services}, {@code /api/v3/operations});
 *   <li>Tempo's API ({@code /api/v2/traces/{id}}, {@code /api/traces/{id}} with
 *       {@code Accept: application/protobuf}, {@code /api/search}, {@code /api/v2/search/tags},
 *       {@code /api/v2/search/tag/{tag}/values}, {@code /api/echo}), with TraceQL;
 *   <li>Skein's search, {@code /api/skein/search}: trace summaries in a chosen order with cursor paging;
 *   <li>Skein's analytics: rate, errors and duration ({@code /api/skein/red}), the explanation of
 *       a trace ({@code /api/skein/traces/{id}/explain}) and the comparison of a selection of spans
 *       with the rest ({@code POST /api/skein/compare}).
 * </ul>
 * Every endpoint but {@code /api/skein/compare} (POST) answers GET (and HEAD); other methods get 405. A bad parameter gets 400 naming
 * it and what was expected; a request the storage backend cannot answer (see its capabilities)
 * gets 501. The {@link QueryLimits} cap what one request may ask for.
 */
public final class QueryApi {
  /** The Content-Security-Policy of every API answer: nothing may load or run, nothing may frame it. */
  static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

  private QueryApi() {}

  /** Adds the query routes over {@code reader} to {@code server}, with {@link QueryLimits#defaults()}. */
  public static void register(ServerBuilder server, TraceReader reader) {
    register(server, reader, QueryLimits.defaults());
  }

  /** Adds the query routes over {@code reader} to {@code server}, enforcing {@code limits}. */
  public static void register(ServerBuilder server, TraceReader reader, QueryLimits limits) {
    requireNonNull(reader, "reader");
    register(server, () -> reader, limits);
  }

  /**
   * Adds the query routes to {@code server}, enforcing {@code limits}; each request reads from the
   * reader {@code readers} gives when called on that request's thread (with multitenancy, the
   * reader of the request's tenant).
   */
  public static void register(ServerBuilder server, java.util.function.Supplier<? extends TraceReader> readers,
      QueryLimits limits) {
    requireNonNull(server, "server");
    requireNonNull(readers, "readers");
    requireNonNull(limits, "limits");
    // An answer may repeat a parameter (naming a bad value); none of them is a page, so a browser
    // that follows a crafted link must neither sniff one as HTML nor run anything in it.
    server.decorator(com.linecorp.armeria.server.Route.builder().pathPrefix("/api/").build(),
        (delegate, ctx, req) -> {
          ctx.mutateAdditionalResponseHeaders(h -> h
              .set(com.linecorp.armeria.common.HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
              .set(com.linecorp.armeria.common.HttpHeaderNames.CONTENT_SECURITY_POLICY, API_POLICY));
          return delegate.serve(ctx, req);
        });
    Searcher searcher = new Searcher(readers, limits);
    JaegerApi.register(server, searcher);
    JaegerV3Api.register(server, searcher);
    TempoApi.register(server, searcher);
    SkeinApi.register(server, searcher);
    AnalyticsApi.register(server, searcher);
    CompareApi.register(server, searcher);
  }
}
