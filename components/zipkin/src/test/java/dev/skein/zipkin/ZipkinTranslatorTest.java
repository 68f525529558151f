package dev.skein.zipkin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.Traces;
import dev.skein.wire.otlp.OtlpJson;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Zipkin v2 in, OTLP out: each case is a Zipkin JSON body and the OTLP/JSON {@code TracesData}
 * the Collector's translator makes of it (with Skein's documented differences).
 */
class ZipkinTranslatorTest {
  /** The example of Zipkin's API documentation (zipkin-api, {@code POST /api/v2/spans}). */
  static final String ZIPKIN_API_EXAMPLE = """
      [{"id": "352bff9a74ca9ad2", "traceId": "5af7183fb1d4cf5f", "parentId": "6b221d5bc9e6496c",
        "name": "get /api", "timestamp": 1556604172355737, "duration": 1431, "kind": "SERVER",
        "localEndpoint": {"serviceName": "backend", "ipv4": "192.168.99.1", "port": 3306},
        "remoteEndpoint": {"ipv4": "172.19.0.2", "port": 58648},
        "tags": {"http.method": "GET", "http.path": "/api"}}]
      """;

  static final String ZIPKIN_API_EXAMPLE_OTLP = """
      {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "backend"}}]},
        "scopeSpans": [{"spans": [{
          "traceId": "00000000000000005af7183fb1d4cf5f", "spanId": "352bff9a74ca9ad2",
          "parentSpanId": "6b221d5bc9e6496c", "name": "get /api", "kind": 2,
          "startTimeUnixNano": "1556604172355737000", "endTimeUnixNano": "1556604172357168000",
          "attributes": [
            {"key": "http.method", "value": {"stringValue": "GET"}},
            {"key": "http.path", "value": {"stringValue": "/api"}},
            {"key": "net.host.ip", "value": {"stringValue": "192.168.99.1"}},
            {"key": "net.host.port", "value": {"intValue": "3306"}},
            {"key": "net.peer.ip", "value": {"stringValue": "172.19.0.2"}},
            {"key": "net.peer.port", "value": {"intValue": "58648"}}]}]}]}]}
      """;

  static Stream<Arguments> jsonCases() {
    return Stream.of(
        Arguments.of("zipkin-api example: server span, 64-bit trace ID, both endpoints", false,
            ZIPKIN_API_EXAMPLE, ZIPKIN_API_EXAMPLE_OTLP),
        Arguments.of("128-bit trace ID, client span, IPv6 endpoints, annotations", false, """
            [{"traceId": "4e441824ec2b6a44ffdc9bb9a6453df3", "id": "ffdc9bb9a6453df3",
              "parentId": "4e441824ec2b6a44", "name": "get", "kind": "CLIENT",
              "timestamp": 1502787600000000, "duration": 150000,
              "localEndpoint": {"serviceName": "frontend", "ipv6": "2001:0db8:0000:0000:0000:0000:0000:c001"},
              "remoteEndpoint": {"serviceName": "backend", "ipv4": "192.168.99.101", "ipv6": "2001:db8::c002",
                                 "port": 9000},
              "annotations": [{"timestamp": 1502787600100000, "value": "ws"},
                              {"timestamp": 1502787600140000, "value": "wr"}],
              "tags": {"http.path": "/api", "clnt/finagle.version": "6.45.0"},
              "debug": true, "shared": false}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}}]},
              "scopeSpans": [{"spans": [{
                "traceId": "4e441824ec2b6a44ffdc9bb9a6453df3", "spanId": "ffdc9bb9a6453df3",
                "parentSpanId": "4e441824ec2b6a44", "name": "get", "kind": 3,
                "startTimeUnixNano": "1502787600000000000", "endTimeUnixNano": "1502787600150000000",
                "attributes": [
                  {"key": "http.path", "value": {"stringValue": "/api"}},
                  {"key": "clnt/finagle.version", "value": {"stringValue": "6.45.0"}},
                  {"key": "net.host.ip", "value": {"stringValue": "2001:db8::c001"}},
                  {"key": "peer.service", "value": {"stringValue": "backend"}},
                  {"key": "net.peer.ip", "value": {"stringValue": "2001:db8::c002"}},
                  {"key": "net.peer.port", "value": {"intValue": "9000"}}],
                "events": [{"timeUnixNano": "1502787600100000000", "name": "ws"},
                           {"timeUnixNano": "1502787600140000000", "name": "wr"}]}]}]}]}
            """),
        Arguments.of("tags of an OpenTelemetry Zipkin exporter: scope, status, trace state, links, events",
            false, """
            [{"traceId": "0af7651916cd43dd8448eb211c80319c", "id": "b7ad6b7169203331", "name": "checkout",
              "timestamp": 1700000000000001, "duration": 2500,
              "localEndpoint": {"serviceName": "shop", "ipv4": "10.0.0.5"},
              "tags": {"otel.scope.name": "io.opentelemetry.okhttp", "otel.scope.version": "1.2.0",
                       "otel.library.name": "io.opentelemetry.okhttp", "otel.library.version": "1.2.0",
                       "span.kind": "internal", "otel.status_code": "ERROR",
                       "otel.status_description": "payment declined", "error": "payment declined",
                       "w3c.tracestate": "rojo=00f067aa0ba902b7", "service.version": "2.1", "host.name": "node-7",
                       "otlp.link.0": "5b8efff798038103d269b633813fc60c|eee19b7ec3c1b174|k=v|{\\"link.kind\\":\\"follows\\"}|1",
                       "order.id": "42"},
              "annotations": [
                {"timestamp": 1700000000001000,
                 "value": "exception|{\\"exception.type\\":\\"java.io.IOException\\",\\"exception.escaped\\":false,\\"retry\\":3,\\"ratio\\":0.5}|0"},
                {"timestamp": 1700000000002000, "value": "cache|miss"},
                {"timestamp": 1700000000002500, "value": "a|b|c"}]}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "shop"}},
                {"key": "service.version", "value": {"stringValue": "2.1"}},
                {"key": "host.name", "value": {"stringValue": "node-7"}}]},
              "scopeSpans": [{
                "scope": {"name": "io.opentelemetry.okhttp", "version": "1.2.0"},
                "spans": [{
                  "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                  "traceState": "rojo=00f067aa0ba902b7", "name": "checkout", "kind": 1,
                  "startTimeUnixNano": "1700000000000001000", "endTimeUnixNano": "1700000000002501000",
                  "attributes": [
                    {"key": "error", "value": {"stringValue": "payment declined"}},
                    {"key": "order.id", "value": {"stringValue": "42"}},
                    {"key": "net.host.ip", "value": {"stringValue": "10.0.0.5"}}],
                  "events": [
                    {"timeUnixNano": "1700000000001000000", "name": "exception", "attributes": [
                      {"key": "exception.type", "value": {"stringValue": "java.io.IOException"}},
                      {"key": "exception.escaped", "value": {"boolValue": false}},
                      {"key": "retry", "value": {"intValue": "3"}},
                      {"key": "ratio", "value": {"doubleValue": 0.5}}]},
                    {"timeUnixNano": "1700000000002000000", "name": "cache|miss"},
                    {"timeUnixNano": "1700000000002500000", "name": "a|b|c"}],
                  "links": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                             "traceState": "k=v", "droppedAttributesCount": 1,
                             "attributes": [{"key": "link.kind", "value": {"stringValue": "follows"}}]}],
                  "status": {"message": "payment declined", "code": 2}}]}]}]}
            """),
        Arguments.of("grouped by local service, then scope; no local service means an empty resource", false, """
            [{"traceId": "0000000000000001", "id": "0000000000000001", "name": "b1", "timestamp": 1,
              "localEndpoint": {"serviceName": "b"}},
             {"traceId": "0000000000000001", "id": "0000000000000002", "name": "a-lib2", "timestamp": 2,
              "localEndpoint": {"serviceName": "a"}, "tags": {"otel.library.name": "lib2"}},
             {"traceId": "0000000000000001", "id": "0000000000000003", "name": "b2", "timestamp": 3,
              "localEndpoint": {"serviceName": "b"}},
             {"traceId": "0000000000000001", "id": "0000000000000004", "name": "a-lib1", "timestamp": 4,
              "localEndpoint": {"serviceName": "a"}, "tags": {"otel.library.name": "lib1"}},
             {"traceId": "0000000000000001", "id": "0000000000000005", "name": "nobody", "timestamp": 5,
              "tags": {"host.name": "lost"}}]
            """, """
            {"resourceSpans": [
              {"scopeSpans": [{"spans": [
                {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000005", "name": "nobody",
                 "startTimeUnixNano": "5000", "endTimeUnixNano": "5000"}]}]},
              {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "a"}}]},
               "scopeSpans": [
                 {"scope": {"name": "lib1"}, "spans": [
                   {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000004", "name": "a-lib1",
                    "startTimeUnixNano": "4000", "endTimeUnixNano": "4000"}]},
                 {"scope": {"name": "lib2"}, "spans": [
                   {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000002", "name": "a-lib2",
                    "startTimeUnixNano": "2000", "endTimeUnixNano": "2000"}]}]},
              {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
               "scopeSpans": [{"spans": [
                 {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000001", "name": "b1",
                  "startTimeUnixNano": "1000", "endTimeUnixNano": "1000"},
                 {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000003", "name": "b2",
                  "startTimeUnixNano": "3000", "endTimeUnixNano": "3000"}]}]}]}
            """),
        Arguments.of("edge cases: own ID as parent, zero parent, no timestamp, kinds the translator does not know",
            false, """
            [null,
             {"traceId": "a", "id": "b", "parentId": "000000000000000b", "kind": "client", "duration": 7,
              "tags": {"span.kind": "server", "x": "y"}, "annotations": null, "remoteEndpoint": null,
              "localEndpoint": {"serviceName": "svc", "port": 0}, "name": null, "futureField": {"a": [1, 2]}},
             {"traceId": "a", "id": "c", "parentId": "0000000000000000", "kind": "PRODUCER", "timestamp": 10,
              "localEndpoint": {"serviceName": "svc"}, "tags": {"span.kind": "internal"}},
             {"traceId": "a", "id": "d", "parentId": "", "kind": "CONSUMER", "timestamp": 10,
              "localEndpoint": {"serviceName": "svc"}}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
              "scopeSpans": [{"spans": [
                {"traceId": "0000000000000000000000000000000a", "spanId": "000000000000000b",
                 "startTimeUnixNano": "0", "endTimeUnixNano": "7000",
                 "attributes": [{"key": "x", "value": {"stringValue": "y"}},
                                {"key": "otel.zipkin.absentField.startTime", "value": {"boolValue": true}}]},
                {"traceId": "0000000000000000000000000000000a", "spanId": "000000000000000c", "kind": 4,
                 "startTimeUnixNano": "10000", "endTimeUnixNano": "10000",
                 "attributes": [{"key": "span.kind", "value": {"stringValue": "internal"}}]},
                {"traceId": "0000000000000000000000000000000a", "spanId": "000000000000000d", "kind": 5,
                 "startTimeUnixNano": "10000", "endTimeUnixNano": "10000"}]}]}]}
            """),
        Arguments.of("parse_string_tags: numbers and booleans become typed attributes", true, """
            [{"traceId": "1", "id": "1", "timestamp": 1, "localEndpoint": {"serviceName": "svc"},
              "tags": {"i": "42", "neg": "-7", "d": "3.14", "t": "true", "f": "false", "s": "abc",
                       "big": "99999999999999999999", "exp": "1e3", "TRUE": "TRUE", "empty": ""}}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
              "scopeSpans": [{"spans": [{
                "traceId": "00000000000000000000000000000001", "spanId": "0000000000000001",
                "startTimeUnixNano": "1000", "endTimeUnixNano": "1000",
                "attributes": [
                  {"key": "i", "value": {"intValue": "42"}},
                  {"key": "neg", "value": {"intValue": "-7"}},
                  {"key": "d", "value": {"doubleValue": 3.14}},
                  {"key": "t", "value": {"boolValue": true}},
                  {"key": "f", "value": {"boolValue": false}},
                  {"key": "s", "value": {"stringValue": "abc"}},
                  {"key": "big", "value": {"stringValue": "99999999999999999999"}},
                  {"key": "exp", "value": {"stringValue": "1e3"}},
                  {"key": "TRUE", "value": {"stringValue": "TRUE"}},
                  {"key": "empty", "value": {"stringValue": ""}}]}]}]}]}
            """),
        Arguments.of("without parse_string_tags, JSON numbers and booleans in tags stay text", false, """
            [{"traceId": "1", "id": "1", "timestamp": 1, "localEndpoint": {"serviceName": "svc"},
              "tags": {"http.status_code": 200, "cached": false, "ratio": 0.25, "gone": null}}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
              "scopeSpans": [{"spans": [{
                "traceId": "00000000000000000000000000000001", "spanId": "0000000000000001",
                "startTimeUnixNano": "1000", "endTimeUnixNano": "1000",
                "attributes": [
                  {"key": "http.status_code", "value": {"stringValue": "200"}},
                  {"key": "cached", "value": {"stringValue": "false"}},
                  {"key": "ratio", "value": {"stringValue": "0.25"}}]}]}]}]}
            """),
        Arguments.of("otlp.service.name.source names the resource key; error=true only sets the status", false, """
            [{"traceId": "1", "id": "1", "timestamp": 1, "localEndpoint": {"serviceName": "my-function"},
              "tags": {"otlp.service.name.source": "faas.name", "error": "true", "http.status_code": "500"}}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "faas.name", "value": {"stringValue": "my-function"}}]},
              "scopeSpans": [{"spans": [{
                "traceId": "00000000000000000000000000000001", "spanId": "0000000000000001",
                "startTimeUnixNano": "1000", "endTimeUnixNano": "1000",
                "attributes": [{"key": "http.status_code", "value": {"stringValue": "500"}}],
                "status": {"code": 2}}]}]}]}
            """),
        Arguments.of("an OpenTelemetry SDK's Zipkin exporter, as the specification has it", false, """
            [{"traceId": "1", "id": "1", "kind": "CLIENT", "timestamp": 1,
              "localEndpoint": {"serviceName": "web"}, "remoteEndpoint": {"serviceName": "db-host"},
              "tags": {"otel.status_code": "OK", "peer.service": "orders-db"}},
             {"traceId": "1", "id": "2", "kind": "SERVER", "timestamp": 1, "localEndpoint": {"serviceName": "web"},
              "tags": {"otel.status_code": "ERROR", "error": ""}}]
            """, """
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
              "scopeSpans": [{"spans": [
                {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000001", "kind": 3,
                 "startTimeUnixNano": "1000", "endTimeUnixNano": "1000",
                 "attributes": [{"key": "peer.service", "value": {"stringValue": "orders-db"}}],
                 "status": {"code": 1}},
                {"traceId": "00000000000000000000000000000001", "spanId": "0000000000000002", "kind": 2,
                 "startTimeUnixNano": "1000", "endTimeUnixNano": "1000",
                 "attributes": [{"key": "error", "value": {"stringValue": ""}}],
                 "status": {"code": 2}}]}]}]}
            """),
        Arguments.of("empty list", false, "[]", "{}"),
        Arguments.of("null body", false, "null", "{}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jsonCases")
  void translatesJson(String name, boolean parseStringTags, String zipkinJson, String expectedOtlpJson) {
    Traces traces = ZipkinTranslator.create(parseStringTags).fromJson(zipkinJson.getBytes(UTF_8));

    assertThat(otlpJson(traces)).isEqualTo(normalized(expectedOtlpJson));
  }

  @Test
  void translatesTheZipkinApiExampleFromProto3() {
    Span example = Span.newBuilder()
        .traceId("5af7183fb1d4cf5f").parentId("6b221d5bc9e6496c").id("352bff9a74ca9ad2")
        .name("get /api").timestamp(1556604172355737L).duration(1431L).kind(Span.Kind.SERVER)
        .localEndpoint(Endpoint.newBuilder().serviceName("backend").ip("192.168.99.1").port(3306).build())
        .remoteEndpoint(Endpoint.newBuilder().ip("172.19.0.2").port(58648).build())
        .putTag("http.method", "GET").putTag("http.path", "/api")
        .build();

    Traces traces = ZipkinTranslator.create(false).fromProto3(SpanBytesEncoder.PROTO3.encodeList(List.of(example)));

    assertThat(otlpJson(traces)).isEqualTo(normalized(ZIPKIN_API_EXAMPLE_OTLP));
  }

  /** Zipkin's own encoders write the same spans both ways; both must translate alike. */
  static Stream<Arguments> zipkinSpans() {
    Endpoint frontend = Endpoint.newBuilder().serviceName("frontend").ip("2001:db8::c001").port(8080).build();
    Endpoint backend = Endpoint.newBuilder().serviceName("backend").ip("10.1.2.3").port(9411).build();
    return Stream.of(
        Arguments.of("64-bit trace ID, server span", List.of(Span.newBuilder()
            .traceId("5af7183fb1d4cf5f").id("352bff9a74ca9ad2").name("get /api").kind(Span.Kind.SERVER)
            .timestamp(1556604172355737L).duration(1431L).localEndpoint(backend).remoteEndpoint(frontend)
            .putTag("http.method", "GET").build())),
        Arguments.of("128-bit trace ID, shared and debug span with annotations", List.of(Span.newBuilder()
            .traceId("4e441824ec2b6a44ffdc9bb9a6453df3").id("ffdc9bb9a6453df3").parentId("4e441824ec2b6a44")
            .name("post").kind(Span.Kind.CLIENT).timestamp(1502787600000000L).duration(150000L)
            .shared(true).debug(true).localEndpoint(frontend).remoteEndpoint(backend)
            .addAnnotation(1502787600100000L, "ws").addAnnotation(1502787600140000L, "wr")
            .putTag("otel.status_code", "ERROR").putTag("error", "timeout").build())),
        Arguments.of("producer and consumer in two services, no timestamp", List.of(
            Span.newBuilder().traceId("1").id("2").kind(Span.Kind.PRODUCER).localEndpoint(frontend)
                .putTag("otel.library.name", "kafka").putTag("otel.library.version", "3.7").build(),
            Span.newBuilder().traceId("1").id("3").parentId("2").kind(Span.Kind.CONSUMER).localEndpoint(backend)
                .timestamp(5).duration(1).build())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("zipkinSpans")
  void proto3AndJsonTranslateAlike(String name, List<Span> spans) {
    ZipkinTranslator translator = ZipkinTranslator.create(false);

    Traces fromJson = translator.fromJson(SpanBytesEncoder.JSON_V2.encodeList(spans));
    Traces fromProto3 = translator.fromProto3(SpanBytesEncoder.PROTO3.encodeList(spans));

    assertThat(fromJson.spanCount()).isEqualTo(spans.size());
    assertThat(otlpJson(fromProto3)).isEqualTo(otlpJson(fromJson));
  }

  @Test
  void emptyProto3BodyIsAnEmptyBatch() {
    assertThat(ZipkinTranslator.create(false).fromProto3(new byte[0]).isEmpty()).isTrue();
  }

  static String otlpJson(Traces traces) {
    return new String(OtlpJson.encode(TracesData.newBuilder().addAllResourceSpans(traces.resourceSpans())), UTF_8);
  }

  static String normalized(String otlpJson) {
    return new String(OtlpJson.encode(OtlpJson.decode(otlpJson.getBytes(UTF_8), TracesData.getDefaultInstance())),
        UTF_8);
  }
}
