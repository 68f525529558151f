package dev.skein.model;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable batch of spans, grouped by resource and instrumentation scope exactly as OTLP
 * groups them. This is the unit that flows through every pipeline.
 *
 * <p>The OTLP protobuf messages are the canonical model: they are immutable, carry every field of
 * the data model (including unknown fields), and are what receivers decode into, so no copy is
 * made between the wire and the pipeline.
 */
public final class Traces {
  private static final Traces EMPTY = new Traces(List.of(), 0, Tenants.NONE);

  private final List<ResourceSpans> resourceSpans;
  private final int spanCount;
  private final String tenant;

  private Traces(List<ResourceSpans> resourceSpans, int spanCount, String tenant) {
    this.resourceSpans = resourceSpans;
    this.spanCount = spanCount;
    this.tenant = tenant;
  }

  /** Returns a batch holding {@code resourceSpans}; the list is copied. */
  public static Traces of(List<ResourceSpans> resourceSpans) {
    requireNonNull(resourceSpans, "resourceSpans");
    int count = 0;
    for (ResourceSpans rs : resourceSpans) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        count += ss.getSpansCount();
      }
    }
    return new Traces(List.copyOf(resourceSpans), count, Tenants.NONE);
  }

  /** Returns the empty batch. */
  public static Traces empty() {
    return EMPTY;
  }

  /** Returns a builder that groups spans by resource and scope. */
  public static Builder builder() {
    return new Builder();
  }

  public List<ResourceSpans> resourceSpans() {
    return resourceSpans;
  }

  /**
   * The tenant these spans belong to: {@link Tenants#NONE} unless a receiver took one from the
   * request ({@code X-Scope-OrgID} or the authenticated token). Components that build a new batch
   * from this one keep it, with {@link #withResourceSpans} or {@link #withTenant}.
   */
  public String tenant() {
    return tenant;
  }

  /**
   * Returns this batch under {@code tenant}.
   *
   * @throws IllegalArgumentException if {@code tenant} is not a valid tenant ID ({@link Tenants#check})
   */
  public Traces withTenant(String tenant) {
    String t = Tenants.check(tenant);
    return t.equals(this.tenant) ? this : new Traces(resourceSpans, spanCount, t);
  }

  /** Returns a batch of {@code resourceSpans} under this batch's tenant; the list is copied. */
  public Traces withResourceSpans(List<ResourceSpans> resourceSpans) {
    return of(resourceSpans).withTenant(tenant);
  }

  /** The number of spans in this batch. */
  public int spanCount() {
    return spanCount;
  }

  public boolean isEmpty() {
    return spanCount == 0;
  }

  /** Calls {@code visitor} for every span, in order, with its resource and scope group. */
  public void forEachSpan(SpanVisitor visitor) {
    for (ResourceSpans rs : resourceSpans) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          visitor.visit(rs, ss, span);
        }
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Traces && ((Traces) o).resourceSpans.equals(resourceSpans)
        && ((Traces) o).tenant.equals(tenant);
  }

  @Override
  public int hashCode() {
    return resourceSpans.hashCode() * 31 + tenant.hashCode();
  }

  @Override
  public String toString() {
    return "Traces{resourceSpans=" + resourceSpans.size() + ", spans=" + spanCount
        + (tenant.isEmpty() ? "" : ", tenant=" + tenant) + '}';
  }

  /** Receives one span with the groups it belongs to. */
  @FunctionalInterface
  public interface SpanVisitor {
    void visit(ResourceSpans resource, ScopeSpans scope, Span span);
  }

  /**
   * Groups spans by resource and scope. A resource group is identified by its {@link ResourceSpans}
   * header (resource and schema URL, without scope spans); a scope group by its {@link ScopeSpans}
   * header (scope and schema URL, without spans). Groups keep the order in which they first appear.
   */
  public static final class Builder {
    private final Map<ResourceSpans, Map<ScopeSpans, List<Span>>> groups = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds {@code span} under the given headers. Any scope spans inside {@code resourceHeader} and any
     * spans inside {@code scopeHeader} are ignored.
     */
    public Builder add(ResourceSpans resourceHeader, ScopeSpans scopeHeader, Span span) {
      ResourceSpans rk = resourceHeader.getScopeSpansCount() == 0
          ? resourceHeader : resourceHeader.toBuilder().clearScopeSpans().build();
      ScopeSpans sk = scopeHeader.getSpansCount() == 0
          ? scopeHeader : scopeHeader.toBuilder().clearSpans().build();
      groups.computeIfAbsent(rk, k -> new LinkedHashMap<>())
          .computeIfAbsent(sk, k -> new ArrayList<>())
          .add(requireNonNull(span, "span"));
      return this;
    }

    public Traces build() {
      List<ResourceSpans> out = new ArrayList<>(groups.size());
      groups.forEach((rk, scopes) -> {
        ResourceSpans.Builder rb = rk.toBuilder();
        scopes.forEach((sk, spans) -> rb.addScopeSpans(sk.toBuilder().addAllSpans(spans)));
        out.add(rb.build());
      });
      return Traces.of(out);
    }
  }
}
