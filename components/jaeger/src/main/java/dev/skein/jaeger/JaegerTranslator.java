package dev.skein.jaeger;

import static java.util.Objects.requireNonNull;

import dev.skein.jaeger.proto.Model;
import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;
import java.util.List;

/**
 * Translates between Jaeger's api_v2 protobuf model and OTLP the way the OpenTelemetry
 * Collector's {@code pkg/translator/jaeger} does ({@code jaegerproto_to_traces.go} and
 * {@code traces_to_jaegerproto.go}), so that spans look the same whether they pass through the
 * Collector or through Skein.
 *
 * <table>
 *   <caption>OTLP and Jaeger fields</caption>
 *   <tr><th>OTLP</th><th>Jaeger</th></tr>
 *   <tr><td>resource {@code service.name}</td><td>{@code Process.service_name}; a resource without
 *       attributes is {@code OTLPResourceNoServiceName}, which reads back as an empty resource</td></tr>
 *   <tr><td>other resource attributes</td><td>{@code Process.tags}; reading, {@code hostname}
 *       becomes {@code host.name} and {@code jaeger.version} becomes
 *       {@code opencensus.exporterversion = "Jaeger-<version>"} unless those are present</td></tr>
 *   <tr><td>scope name and version</td><td>tags {@code otel.scope.name}, {@code otel.scope.version}
 *       (reading also accepts the older {@code otel.library.name}, {@code otel.library.version})</td></tr>
 *   <tr><td>trace ID (16 bytes)</td><td>{@code trace_id}, 16 bytes big-endian (high then low 64
 *       bits); reading also accepts 8 bytes as the low half</td></tr>
 *   <tr><td>span ID, parent span ID</td><td>{@code span_id}; the parent as the first reference,
 *       {@code CHILD_OF}. Reading, the parent is Jaeger's: the first {@code CHILD_OF} reference in
 *       the same trace, else the first {@code FOLLOWS_FROM} one</td></tr>
 *   <tr><td>links</td><td>further references, {@code FOLLOWS_FROM} unless the link has
 *       {@code opentracing.ref_type = "child_of"}; reading, every reference but the parent's
 *       {@code CHILD_OF} becomes a link carrying {@code opentracing.ref_type}. Other link
 *       attributes and the link's trace state are lost</td></tr>
 *   <tr><td>name, start and end time</td><td>{@code operation_name}, {@code start_time},
 *       {@code duration} (end minus start, in nanoseconds)</td></tr>
 *   <tr><td>flags, W3C sampled bit</td><td>{@code flags} bit 0 (sampled); other bits are not
 *       carried</td></tr>
 *   <tr><td>kind</td><td>tag {@code span.kind}: {@code client}, {@code server}, {@code producer},
 *       {@code consumer}, {@code internal}</td></tr>
 *   <tr><td>status</td><td>tags {@code otel.status_code} ({@code OK}, {@code ERROR}),
 *       {@code error = true} for ERROR, {@code otel.status_description}. Reading, a boolean
 *       {@code error = true} wins; without either, {@code http.status_code} (or
 *       {@code http.response.status_code}) implies ERROR for 5xx, and for 4xx on clients</td></tr>
 *   <tr><td>trace state</td><td>tag {@code w3c.tracestate}</td></tr>
 *   <tr><td>attributes</td><td>tags of type STRING, BOOL, INT64, FLOAT64, BINARY; arrays and maps
 *       become STRING tags holding JSON and read back as strings</td></tr>
 *   <tr><td>dropped attribute, event and link counts</td><td>tags
 *       {@code otel.dropped_attributes_count}, {@code otel.dropped_events_count},
 *       {@code otel.dropped_links_count}, when not zero</td></tr>
 *   <tr><td>events</td><td>logs: the name as the field {@code event} unless an attribute has that
 *       key; the event's dropped attribute count as {@code otel.dropped_attributes_count}</td></tr>
 * </table>
 *
 * <p>Where Skein differs from the Collector: writing, it adds the dropped counts (the
 * specification's names, which the Collector's documentation asks for but its code leaves out) and
 * reads them back; it uses a non-string {@code service.name} in its string form where the Collector
 * writes an empty service name; it leaves out batches without spans. Reading, resources keep the
 * order in which they first appear (the Collector's order is random), an HTTP status from 100 to
 * 399 leaves the status unset (the Collector's bound is 398), and {@code http.response.status_code}
 * counts as well as {@code http.status_code}.
 *
 * <p>Not carried at all: schema URLs, scope attributes, dropped counts of resources and scopes,
 * and any OTLP field added later. All methods are thread-safe and return new objects.
 */
public final class JaegerTranslator {
  private JaegerTranslator() {}

  /**
   * Translates the batch of one {@code PostSpansRequest}. Spans that equal the empty span are
   * skipped, as in the Collector; IDs are not checked beyond their size.
   *
   * @throws WireFormatException naming the field (e.g. {@code batch.spans[2].trace_id}) when an ID
   *     has a size Jaeger cannot read
   */
  public static Traces toTraces(Model.Batch batch) {
    requireNonNull(batch, "batch");
    return ToTraces.convert(List.of(batch), true);
  }

  /**
   * Translates several batches into one, grouping spans by process across them.
   *
   * @throws WireFormatException naming the field (e.g. {@code batches[1].spans[0].span_id}) when
   *     an ID has a size Jaeger cannot read
   */
  public static Traces toTraces(List<Model.Batch> batches) {
    requireNonNull(batches, "batches");
    return ToTraces.convert(batches, false);
  }

  /**
   * Translates {@code traces} into one batch per resource group that has spans, in order; each
   * batch is the payload of one {@code PostSpansRequest}.
   */
  public static List<Model.Batch> toBatches(Traces traces) {
    requireNonNull(traces, "traces");
    return ToBatches.convert(traces);
  }
}
