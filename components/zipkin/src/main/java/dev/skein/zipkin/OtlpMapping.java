package dev.skein.zipkin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.skein.model.Nullable;
import dev.skein.wire.WireFormatException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns Zipkin spans into OTLP the way the OpenTelemetry Collector's translator does
 * ({@code pkg/translator/zipkin/zipkinv2}, {@code ToTranslator}); see {@link ZipkinTranslator} for
 * the rules and where Skein differs.
 */
final class OtlpMapping {
  /** What the Collector groups spans without a local service name under; never written out. */
  static final String NO_SERVICE_NAME = "OTLPResourceNoServiceName";
  static final String TAG_SERVICE_NAME_SOURCE = "otlp.service.name.source";
  static final String TAG_TRACE_STATE = "w3c.tracestate";
  static final String TAG_SPAN_KIND = "span.kind";
  static final String TAG_ERROR = "error";
  static final String TAG_STATUS_CODE = "otel.status_code";
  static final String TAG_STATUS_DESCRIPTION = "otel.status_description";
  static final String TAG_SCOPE_NAME = "otel.scope.name";
  static final String TAG_SCOPE_VERSION = "otel.scope.version";
  static final String TAG_LIBRARY_NAME = "otel.library.name";
  static final String TAG_LIBRARY_VERSION = "otel.library.version";
  static final String TAG_LINK_PREFIX = "otlp.link.";
  /** The Collector's marker for a span whose start was not reported. */
  static final String START_TIME_ABSENT = "otel.zipkin.absentField.startTime";

  /**
   * Tags that describe the process rather than the span: semantic-convention resource attributes
   * (v1.6.1, the Collector's list) and the OpenCensus ones. They move to the resource of their
   * group and are never span attributes.
   */
  static final Set<String> RESOURCE_TAGS = Set.of(
      "cloud.provider", "cloud.account.id", "cloud.region", "cloud.availability_zone", "cloud.platform",
      "aws.ecs.container.arn", "aws.ecs.cluster.arn", "aws.ecs.launchtype", "aws.ecs.task.arn",
      "aws.ecs.task.family", "aws.ecs.task.revision", "aws.eks.cluster.arn", "aws.log.group.names",
      "aws.log.group.arns", "aws.log.stream.names", "aws.log.stream.arns",
      "container.name", "container.id", "container.runtime", "container.image.name", "container.image.tag",
      "deployment.environment", "device.id", "device.model.identifier", "device.model.name",
      "faas.name", "faas.id", "faas.version", "faas.instance", "faas.max_memory",
      "host.id", "host.name", "host.type", "host.arch", "host.image.name", "host.image.id",
      "host.image.version",
      "k8s.cluster.name", "k8s.node.name", "k8s.node.uid", "k8s.namespace.name", "k8s.pod.uid",
      "k8s.pod.name", "k8s.container.name", "k8s.replicaset.uid", "k8s.replicaset.name",
      "k8s.deployment.uid", "k8s.deployment.name", "k8s.statefulset.uid", "k8s.statefulset.name",
      "k8s.daemonset.uid", "k8s.daemonset.name", "k8s.job.uid", "k8s.job.name", "k8s.cronjob.uid",
      "k8s.cronjob.name",
      "os.type", "os.description", "os.name", "os.version",
      "process.pid", "process.executable.name", "process.executable.path", "process.command",
      "process.command_line", "process.command_args", "process.owner", "process.runtime.name",
      "process.runtime.version", "process.runtime.description",
      "service.name", "service.namespace", "service.instance.id", "service.version",
      "telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version", "telemetry.auto.version",
      "webengine.name", "webengine.version", "webengine.description",
      "opencensus.starttime", "opencensus.exporterversion", "opencensus.resourcetype");

  private static final Set<String> SCOPE_TAGS =
      Set.of(TAG_SCOPE_NAME, TAG_SCOPE_VERSION, TAG_LIBRARY_NAME, TAG_LIBRARY_VERSION);

  private static final int MAX_LINKS = 128;
  private static final JsonFactory JSON = new JsonFactory();
  private static final Pattern INT = Pattern.compile("-?[0-9]+");
  private static final Pattern DOUBLE = Pattern.compile("-?[0-9]+\\.[0-9]+");

  private final boolean parseStringTags;

  OtlpMapping(boolean parseStringTags) {
    this.parseStringTags = parseStringTags;
  }

  /**
   * Groups the spans by local service name, then by instrumentation scope, as the Collector does:
   * sorted by those two names (stably, so spans keep their order within a group), one resource
   * and one scope per run of equal names, each described by the tags of its group's first span.
   */
  List<ResourceSpans> map(List<ZipkinSpan> spans) {
    List<ZipkinSpan> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparing(OtlpMapping::serviceKey).thenComparing(OtlpMapping::scopeKey));
    List<ResourceSpans> out = new ArrayList<>();
    ResourceSpans.Builder rb = null;
    ScopeSpans.Builder sb = null;
    String service = null;
    String scopeName = null;
    for (ZipkinSpan z : sorted) {
      Map<String, String> tags = new LinkedHashMap<>(z.tags());
      if (!serviceKey(z).equals(service)) {
        if (rb != null) {
          out.add(rb.addScopeSpans(sb).build());
        }
        service = serviceKey(z);
        rb = ResourceSpans.newBuilder();
        Resource resource = resource(tags, service);
        if (resource.getAttributesCount() > 0) {
          rb.setResource(resource);
        }
        sb = null;
      }
      if (sb == null || !scopeKey(z).equals(scopeName)) {
        if (sb != null) {
          rb.addScopeSpans(sb);
        }
        scopeName = scopeKey(z);
        sb = ScopeSpans.newBuilder();
        if (!scopeName.isEmpty()) {
          sb.setScope(scope(tags, scopeName));
        }
      }
      sb.addSpans(span(z, tags));
    }
    if (rb != null) {
      out.add(rb.addScopeSpans(sb).build());
    }
    return out;
  }

  private static String serviceKey(ZipkinSpan z) {
    ZipkinSpan.Endpoint local = z.localEndpoint();
    return local == null || local.serviceName().isEmpty() ? NO_SERVICE_NAME : local.serviceName();
  }

  /** The scope name; {@code otel.scope.name} is today's tag, {@code otel.library.name} the older one. */
  private static String scopeKey(ZipkinSpan z) {
    String name = z.tags().get(TAG_SCOPE_NAME);
    if (name == null || name.isEmpty()) {
      name = z.tags().get(TAG_LIBRARY_NAME);
    }
    return name == null ? "" : name;
  }

  /**
   * The service name under {@code service.name}, or under the key named by the tag
   * {@code otlp.service.name.source}, plus the resource tags, which a tag {@code service.name}
   * overrides. A span without a local service name gets an empty resource.
   */
  private static Resource resource(Map<String, String> tags, String service) {
    if (service.equals(NO_SERVICE_NAME)) {
      return Resource.getDefaultInstance();
    }
    Map<String, AnyValue> attributes = new LinkedHashMap<>();
    String source = tags.remove(TAG_SERVICE_NAME_SOURCE);
    attributes.put(source == null || source.isEmpty() ? "service.name" : source, string(service));
    for (Iterator<Map.Entry<String, String>> it = tags.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, String> e = it.next();
      if (RESOURCE_TAGS.contains(e.getKey())) {
        attributes.put(e.getKey(), string(e.getValue()));
        it.remove();
      }
    }
    return Resource.newBuilder().addAllAttributes(keyValues(attributes)).build();
  }

  private static InstrumentationScope scope(Map<String, String> tags, String name) {
    String version = tags.get(TAG_SCOPE_NAME) != null && !tags.get(TAG_SCOPE_NAME).isEmpty()
        ? tags.get(TAG_SCOPE_VERSION) : tags.get(TAG_LIBRARY_VERSION);
    tags.keySet().removeAll(SCOPE_TAGS);
    InstrumentationScope.Builder b = InstrumentationScope.newBuilder().setName(name);
    if (version != null) {
      b.setVersion(version);
    }
    return b.build();
  }

  private Span span(ZipkinSpan z, Map<String, String> tags) {
    Span.Builder b = Span.newBuilder().setTraceId(z.traceId()).setSpanId(z.spanId());
    String traceState = tags.remove(TAG_TRACE_STATE);
    if (traceState != null) {
      b.setTraceState(traceState);
    }
    if (z.parentId() != null && !z.parentId().equals(z.spanId())) {
      b.setParentSpanId(z.parentId());
    }
    b.setName(z.name());
    b.setKind(kind(z.kind(), tags));
    Status status = status(tags);
    if (!status.equals(Status.getDefaultInstance())) {
      b.setStatus(status);
    }
    links(z, tags, b);
    Map<String, AnyValue> attributes = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (!RESOURCE_TAGS.contains(e.getKey()) && !SCOPE_TAGS.contains(e.getKey())
          && !e.getKey().equals(TAG_SERVICE_NAME_SOURCE)) {
        attributes.put(e.getKey(), parseStringTags ? typed(e.getValue()) : string(e.getValue()));
      }
    }
    endpointAttributes(z, attributes);
    long start = z.timestampMicros() * 1000;
    if (z.timestampMicros() == 0) {
      attributes.put(START_TIME_ABSENT, AnyValue.newBuilder().setBoolValue(true).build());
    }
    b.setStartTimeUnixNano(start).setEndTimeUnixNano(start + z.durationMicros() * 1000);
    b.addAllAttributes(keyValues(attributes));
    for (ZipkinSpan.Annotation a : z.annotations()) {
      b.addEvents(event(a));
    }
    return b.build();
  }

  /** Without a Zipkin kind, the tag {@code span.kind} may say {@code internal}; else unspecified. */
  private static Span.SpanKind kind(@Nullable String kind, Map<String, String> tags) {
    if (kind != null) {
      switch (kind) {
        case "CLIENT":
          return Span.SpanKind.SPAN_KIND_CLIENT;
        case "SERVER":
          return Span.SpanKind.SPAN_KIND_SERVER;
        case "PRODUCER":
          return Span.SpanKind.SPAN_KIND_PRODUCER;
        case "CONSUMER":
          return Span.SpanKind.SPAN_KIND_CONSUMER;
        default:
          break;
      }
    }
    String tag = tags.remove(TAG_SPAN_KIND);
    return "internal".equals(tag) ? Span.SpanKind.SPAN_KIND_INTERNAL : Span.SpanKind.SPAN_KIND_UNSPECIFIED;
  }

  /**
   * {@code otel.status_code} (with {@code otel.status_description}) sets the status; any
   * {@code error} tag then makes it an error, and the tag is kept as an attribute unless its value
   * is {@code true}.
   */
  private static Status status(Map<String, String> tags) {
    Status.Builder b = Status.newBuilder();
    String code = tags.remove(TAG_STATUS_CODE);
    if (code != null) {
      b.setCode(statusCode(code));
      String description = tags.remove(TAG_STATUS_DESCRIPTION);
      if (description != null) {
        b.setMessage(description);
      }
    }
    String error = tags.get(TAG_ERROR);
    if (error != null) {
      b.setCode(Status.StatusCode.STATUS_CODE_ERROR);
      if (error.equals("true")) {
        tags.remove(TAG_ERROR);
      }
    }
    return b.build();
  }

  /**
   * The names the OpenTelemetry specification gives Zipkin exporters ({@code OK}, {@code ERROR}),
   * the OTLP names, and the ones the Collector's Zipkin exporter once wrote; anything else is unset.
   */
  private static Status.StatusCode statusCode(String value) {
    switch (value) {
      case "OK":
      case "STATUS_CODE_OK":
      case "Ok":
        return Status.StatusCode.STATUS_CODE_OK;
      case "ERROR":
      case "STATUS_CODE_ERROR":
      case "Error":
        return Status.StatusCode.STATUS_CODE_ERROR;
      default:
        return Status.StatusCode.STATUS_CODE_UNSET;
    }
  }

  /**
   * Links travel as tags {@code otlp.link.0}, {@code otlp.link.1}, ... in the form
   * {@code traceId|spanId|traceState|attributes as JSON|dropped attributes count}. Reading stops at
   * the first missing index; a value with fewer than five parts is dropped.
   */
  private static void links(ZipkinSpan z, Map<String, String> tags, Span.Builder b) {
    for (int i = 0; i < MAX_LINKS; i++) {
      String key = TAG_LINK_PREFIX + i;
      String value = tags.remove(key);
      if (value == null) {
        return;
      }
      String[] parts = value.split("\\|", -1);
      if (parts.length < 5) {
        continue;
      }
      String path = z.path() + ".tags[" + JsonSpanReader.quote(key) + "]";
      ByteString traceId = linkId(parts[0], ZipkinIds.TRACE_ID_BYTES);
      ByteString spanId = linkId(parts[1], ZipkinIds.SPAN_ID_BYTES);
      List<KeyValue> attributes = jsonAttributes(String.join("|", List.of(parts).subList(3, parts.length - 1)));
      long dropped = uint32(parts[parts.length - 1]);
      if (traceId == null || spanId == null || attributes == null || dropped < 0) {
        throw new WireFormatException(path, JsonSpanReader.quote(value)
            + " (expected: traceId|spanId|traceState|attributes as a JSON object|dropped attributes count)");
      }
      b.addLinks(Span.Link.newBuilder().setTraceId(traceId).setSpanId(spanId).setTraceState(parts[2])
          .addAllAttributes(attributes).setDroppedAttributesCount((int) dropped));
    }
  }

  /** A hexadecimal ID of exactly the given size, optionally in quotes; empty means no ID. */
  @Nullable
  private static ByteString linkId(String text, int bytes) {
    String hex = text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")
        ? text.substring(1, text.length() - 1) : text;
    if (hex.isEmpty()) {
      return ByteString.EMPTY;
    }
    return hex.length() == 2 * bytes ? ZipkinIds.fromHex(hex, bytes) : null;
  }

  /**
   * An annotation written by an OpenTelemetry Zipkin exporter is
   * {@code name|attributes as JSON|dropped attributes count}; any other value is the event name.
   */
  private static Span.Event event(ZipkinSpan.Annotation a) {
    Span.Event.Builder e = Span.Event.newBuilder().setTimeUnixNano(a.timestampMicros() * 1000);
    String[] parts = a.value().split("\\|", -1);
    if (parts.length >= 3) {
      List<KeyValue> attributes = jsonAttributes(String.join("|", List.of(parts).subList(1, parts.length - 1)));
      long dropped = uint32(parts[parts.length - 1]);
      if (attributes != null && dropped >= 0) {
        return e.setName(parts[0]).addAllAttributes(attributes).setDroppedAttributesCount((int) dropped).build();
      }
    }
    return e.setName(a.value()).build();
  }

  /**
   * Reads a JSON object's strings, booleans and numbers (integral numbers as integers) as
   * attributes and ignores other values; null when the text is not a JSON object.
   */
  @Nullable
  private static List<KeyValue> jsonAttributes(String json) {
    Map<String, AnyValue> out = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_NULL && p.nextToken() == null) {
        return List.of();
      }
      if (t != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        switch (p.nextToken()) {
          case VALUE_STRING:
            out.put(key, string(p.getText()));
            break;
          case VALUE_TRUE:
          case VALUE_FALSE:
            out.put(key, AnyValue.newBuilder().setBoolValue(p.getBooleanValue()).build());
            break;
          case VALUE_NUMBER_INT:
          case VALUE_NUMBER_FLOAT:
            out.put(key, number(p));
            break;
          default:
            p.skipChildren();
        }
      }
      return p.nextToken() == null ? keyValues(out) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** As Go's JSON decoding into {@code float64}, then an integer when there is no fraction. */
  private static AnyValue number(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return AnyValue.newBuilder().setIntValue(p.getLongValue()).build();
    }
    double d = p.getDoubleValue();
    if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
      return AnyValue.newBuilder().setIntValue((long) d).build();
    }
    return AnyValue.newBuilder().setDoubleValue(d).build();
  }

  /** A count of 0 to 2^32-1 in decimal digits, or -1. */
  private static long uint32(String s) {
    if (s.isEmpty() || s.length() > 10) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v <= 0xffffffffL ? v : -1;
  }

  /**
   * The local endpoint's address and port and the remote endpoint's service, address and port,
   * under the Collector's (semantic conventions v1.6.1) names; IPv6 wins over IPv4 when both are
   * given. The endpoint wins over a tag of the same name, except that a {@code peer.service} tag
   * is kept, as the OpenTelemetry specification's Zipkin mapping asks.
   */
  private static void endpointAttributes(ZipkinSpan z, Map<String, AnyValue> attributes) {
    ZipkinSpan.Endpoint local = z.localEndpoint();
    if (local != null) {
      putAddress(attributes, "net.host.ip", local);
      if (local.port() > 0) {
        attributes.put("net.host.port", AnyValue.newBuilder().setIntValue(local.port()).build());
      }
    }
    ZipkinSpan.Endpoint remote = z.remoteEndpoint();
    if (remote != null) {
      if (!remote.serviceName().isEmpty()) {
        attributes.putIfAbsent("peer.service", string(remote.serviceName()));
      }
      putAddress(attributes, "net.peer.ip", remote);
      if (remote.port() > 0) {
        attributes.put("net.peer.port", AnyValue.newBuilder().setIntValue(remote.port()).build());
      }
    }
  }

  private static void putAddress(Map<String, AnyValue> attributes, String key, ZipkinSpan.Endpoint e) {
    if (e.ipv4() != null) {
      attributes.put(key, string(e.ipv4()));
    }
    if (e.ipv6() != null) {
      attributes.put(key, string(e.ipv6()));
    }
  }

  /**
   * With {@code parse_string_tags}: whole numbers become integers, decimals with a fractional part
   * doubles, {@code true} and {@code false} booleans; everything else, and integers beyond 64
   * bits, stay strings.
   */
  private static AnyValue typed(String value) {
    if (INT.matcher(value).matches()) {
      try {
        return AnyValue.newBuilder().setIntValue(Long.parseLong(value)).build();
      } catch (NumberFormatException tooLarge) {
        return string(value);
      }
    }
    if (DOUBLE.matcher(value).matches()) {
      return AnyValue.newBuilder().setDoubleValue(Double.parseDouble(value)).build();
    }
    if (value.equals("true") || value.equals("false")) {
      return AnyValue.newBuilder().setBoolValue(value.equals("true")).build();
    }
    return string(value);
  }

  private static AnyValue string(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static List<KeyValue> keyValues(Map<String, AnyValue> attributes) {
    List<KeyValue> out = new ArrayList<>(attributes.size());
    attributes.forEach((k, v) -> out.add(KeyValue.newBuilder().setKey(k).setValue(v).build()));
    return out;
  }
}
