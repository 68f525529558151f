package dev.skein.pipeline.server;

import static java.util.Objects.requireNonNull;

import com.google.rpc.Code;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.skein.model.Nullable;
import dev.skein.model.Tenants;
import dev.skein.pipeline.Component;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.ServerAuthenticator;
import io.netty.util.AttributeKey;
import java.util.List;

/**
 * Multitenancy on one server: every request must name its tenant, and the server's services
 * read it with {@link #current()}. The tenant is the one the authenticated credential belongs to
 * (a bearer token configured with a tenant), and any {@code X-Scope-OrgID} header is then
 * ignored, so a client cannot claim another tenant's data by forging it; otherwise it is the
 * header's value. A request without a tenant is refused as unauthenticated (gRPC
 * UNAUTHENTICATED, HTTP 401), one with an invalid tenant ID as invalid (INVALID_ARGUMENT, 400),
 * before its body is read.
 *
 * <p>Multitenancy is on when the {@code multitenancy} extension runs: it implements
 * {@link Policy}, and every receiver and the query extension find it with {@link #find}.
 * Thread-safe.
 */
public final class Tenancy {
  /** The tenant of the request being served, set before the decorated service runs. */
  public static final AttributeKey<String> TENANT = AttributeKey.valueOf(Tenancy.class, "TENANT");

  /** What the {@code multitenancy} extension tells servers. */
  public interface Policy {
    /** The header (gRPC metadata key) that names the tenant: {@link Tenants#HEADER} by default. */
    String header();
  }

  private final String header;

  private Tenancy(String header) {
    this.header = header;
  }

  /** Multitenancy as the running extensions of {@code host} configure it, or null when it is off. */
  @Nullable
  public static Tenancy find(Host host) {
    requireNonNull(host, "host");
    for (Component c : host.extensions().values()) {
      if (c instanceof Policy) {
        return new Tenancy(((Policy) c).header());
      }
    }
    return null;
  }

  /** Multitenancy with the tenant in {@code header}; for servers built outside a pipeline. */
  public static Tenancy withHeader(String header) {
    return new Tenancy(requireNonNull(header, "header"));
  }

  /** The header that names the tenant. */
  public String header() {
    return header;
  }

  /**
   * The tenant of the request being served on this thread: the one {@link #decorate} set, or
   * {@link Tenants#NONE} when multitenancy is off or no request is being served.
   */
  public static String current() {
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    String t = ctx == null ? null : ctx.attr(TENANT);
    return t == null ? Tenants.NONE : t;
  }

  /**
   * Wraps {@code delegate} so that it serves only requests with a tenant, which it finds with
   * {@link #current()}. With authentication, decorate with this first and with
   * {@link ServerAuth#decorate} after, so that the credential is checked first.
   */
  public HttpService decorate(HttpService delegate, ServerAuth.Answer answer) {
    requireNonNull(delegate, "delegate");
    requireNonNull(answer, "answer");
    // The tenant is in the headers: a request without one is refused before its body is read.
    return new HeadersFirstDecorator(delegate) {
      @Override
      public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ServerAuthenticator.Client client = ctx.attr(ServerAuth.CLIENT);
        String tenant;
        if (client != null && !client.tenant().isEmpty()) {
          tenant = client.tenant();
        } else {
          List<String> values = req.headers().getAll(header);
          String problem = problem(values);
          if (problem != null) {
            Code code = values.isEmpty() ? Code.UNAUTHENTICATED : Code.INVALID_ARGUMENT;
            return answer.answer(req.headers(), com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber()).setMessage(problem).build(), null);
          }
          tenant = values.get(0);
        }
        ctx.setAttr(TENANT, tenant);
        return ((HttpService) unwrap()).serve(ctx, req);
      }
    };
  }

  @Nullable
  private String problem(List<String> values) {
    if (values.isEmpty()) {
      return "no tenant: the " + header + " header is missing (expected: a tenant ID, because multitenancy is on)";
    }
    if (values.size() > 1) {
      return header + ": " + values.size() + " values (expected: one tenant ID)";
    }
    String problem = Tenants.problem(values.get(0));
    return problem == null ? null : header + ": " + problem;
  }
}
