package dev.skein.jaeger;

/** The tag and attribute names that carry OTLP fields Jaeger's model has no place for. */
final class Keys {
  static final String SERVICE_NAME = "service.name";
  /** The service name the Collector writes for a resource without attributes, and reads back as none. */
  static final String NO_SERVICE_NAME = "OTLPResourceNoServiceName";
  static final String HOSTNAME = "hostname";
  static final String HOST_NAME = "host.name";
  static final String JAEGER_VERSION = "jaeger.version";
  static final String EXPORTER_VERSION = "opencensus.exporterversion";

  static final String SCOPE_NAME = "otel.scope.name";
  static final String SCOPE_VERSION = "otel.scope.version";
  /** The names the specification used before {@code otel.scope.*}; still sent by older SDKs. */
  static final String LIBRARY_NAME = "otel.library.name";
  static final String LIBRARY_VERSION = "otel.library.version";

  static final String SPAN_KIND = "span.kind";
  static final String STATUS_CODE = "otel.status_code";
  static final String STATUS_DESCRIPTION = "otel.status_description";
  static final String ERROR = "error";
  static final String HTTP_STATUS_CODE = "http.status_code";
  static final String HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
  static final String HTTP_STATUS_MESSAGE = "http.status_message";
  static final String TRACE_STATE = "w3c.tracestate";

  static final String DROPPED_ATTRIBUTES = "otel.dropped_attributes_count";
  static final String DROPPED_EVENTS = "otel.dropped_events_count";
  static final String DROPPED_LINKS = "otel.dropped_links_count";

  /** The log field that carries an event's name. */
  static final String EVENT = "event";
  static final String REF_TYPE = "opentracing.ref_type";
  static final String CHILD_OF = "child_of";
  static final String FOLLOWS_FROM = "follows_from";

  static final String STATUS_OK = "OK";
  static final String STATUS_ERROR = "ERROR";

  /** Jaeger's sampled flag, which is also bit 0 of the W3C trace flags in OTLP's {@code flags}. */
  static final int SAMPLED = 0x01;

  private Keys() {}
}
