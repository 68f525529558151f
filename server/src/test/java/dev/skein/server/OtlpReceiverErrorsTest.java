package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import dev.skein.wire.otlp.OtlpJson;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every answer of the OTLP receivers that the specification fixes, over HTTP and gRPC. */
class OtlpReceiverErrorsTest {
  static final String TRACE = "5b8efff798038103d269b633813fc60c";
  static final String JSON_EXAMPLE = String.join("\n",
      "{\"resourceSpans\": [{",
      "  \"resource\": {\"attributes\": [{\"key\": \"service.name\", \"value\": {\"stringValue\": \"my.service\"}}]},",
      "  \"scopeSpans\": [{",
      "    \"scope\": {\"name\": \"my.library\", \"version\": \"1.0.0\",",
      "      \"attributes\": [{\"key\": \"my.scope.attribute\", \"value\": {\"stringValue\": \"some scope attribute\"}}]},",
      "    \"spans\": [{",
      "      \"traceId\": \"" + TRACE + "\",",
      "      \"spanId\": \"eee19b7ec3c1b174\",",
      "      \"parentSpanId\": \"eee19b7ec3c1b173\",",
      "      \"name\": \"I'm a server span\",",
      "      \"startTimeUnixNano\": \"1544712660000000000\",",
      "      \"endTimeUnixNano\": 1544712661000000000,",
      "      \"kind\": 2,",
      "      \"someFutureField\": {\"nested\": [1, 2, 3]},",
      "      \"attributes\": [{\"key\": \"my.span.attr\", \"value\": {\"stringValue\": \"some value\"}}]",
      "    }]",
      "  }]",
      "}]}");

  @TempDir
  static Path data;
  static TestServer server;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(data);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  static Span span(String traceHex, String spanHex, String name) {
    return Span.newBuilder().setTraceId(ByteString.fromHex(traceHex)).setSpanId(ByteString.fromHex(spanHex))
        .setName(name).setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_000_500_000_000L).build();
  }

  static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("errors-test"))))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(java.util.List.of(spans)))).build();
  }

  static HttpResponse<byte[]> post(byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.otlpHttpUrl()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return TestServer.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static byte[] gzip(byte[] in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(in);
    }
    return out.toByteArray();
  }

  static byte[] zeros(int n) {
    return new byte[n];
  }

  static final Map<String, String> PROTO = Map.of("Content-Type", "application/x-protobuf");
  static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

  static Stream<Arguments> httpCases() throws Exception {
    byte[] valid = request(span(TRACE, "0000000000000001", "a")).toByteArray();
    return Stream.of(
        Arguments.of("protobuf", valid, PROTO, 200, "application/x-protobuf", ""),
        Arguments.of("json example", JSON_EXAMPLE.getBytes(StandardCharsets.UTF_8), JSON, 200, "application/json", ""),
        Arguments.of("json with charset", "{}".getBytes(StandardCharsets.UTF_8),
            Map.of("Content-Type", "application/json; charset=utf-8"), 200, "application/json", ""),
        Arguments.of("empty protobuf", new byte[0], PROTO, 200, "application/x-protobuf", ""),
        Arguments.of("empty json object", "{}".getBytes(StandardCharsets.UTF_8), JSON, 200, "application/json", ""),
        Arguments.of("gzip protobuf", gzip(valid), Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "gzip"), 200, "application/x-protobuf", ""),
        Arguments.of("wrong content type", valid, Map.of("Content-Type", "text/plain"), 415, "", "Content-Type"),
        Arguments.of("missing content type", valid, Map.of(), 415, "", "Content-Type: missing"),
        Arguments.of("unknown encoding", valid, Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "br"), 415, "application/x-protobuf", "Content-Encoding"),
        Arguments.of("garbage protobuf", new byte[] {(byte) 0x0a, (byte) 0xff, 0x01}, PROTO, 400,
            "application/x-protobuf", "cannot be decoded"),
        // Field 1 (resource_spans) as a varint whose last byte never comes.
        Arguments.of("truncated varint", new byte[] {0x08, (byte) 0x80}, PROTO, 400,
            "application/x-protobuf", "cannot be decoded"),
        // Wire types 6 and 7 do not exist; 4 ends a group that never started.
        Arguments.of("wire type 7", new byte[] {0x0f, 0x00}, PROTO, 400, "application/x-protobuf", "cannot be decoded"),
        Arguments.of("end group without start", new byte[] {0x0c}, PROTO, 400, "application/x-protobuf",
            "cannot be decoded"),
        Arguments.of("truncated json", "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8), JSON, 400,
            "application/json", "cannot be decoded"),
        Arguments.of("json enum name", JSON_EXAMPLE.replace("\"kind\": 2", "\"kind\": \"SPAN_KIND_SERVER\"")
            .getBytes(StandardCharsets.UTF_8), JSON, 400, "application/json", "kind"),
        Arguments.of("not gzip", valid, Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "gzip"), 400, "application/x-protobuf", "gzip"),
        Arguments.of("gzip bomb", gzip(zeros(30 << 20)), Map.of("Content-Type", "application/x-protobuf",
            "Content-Encoding", "gzip"), 413, "application/x-protobuf", "after gzip decompression"),
        Arguments.of("one byte over the cap", zeros((20 << 20) + 1), PROTO, 413, "", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("httpCases")
  void httpAnswersAsTheSpecificationSays(String name, byte[] body, Map<String, String> headers,
      int status, String contentType, String messagePart) throws Exception {
    HttpResponse<byte[]> r = post(body, headers);
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith(contentType);
    if (status == 200) {
      ExportTraceServiceResponse resp = contentType.equals("application/json")
          ? OtlpJson.decode(r.body(), ExportTraceServiceResponse.getDefaultInstance())
          : ExportTraceServiceResponse.parseFrom(r.body());
      assertThat(resp.hasPartialSuccess()).isFalse();
    } else if (!messagePart.isEmpty()) {
      com.google.rpc.Status s = contentType.equals("application/x-protobuf")
          ? com.google.rpc.Status.parseFrom(r.body())
          : OtlpJson.decode(r.body(), com.google.rpc.Status.getDefaultInstance());
      assertThat(s.getMessage()).contains(messagePart);
      assertThat(s.getCode()).isIn(Code.INVALID_ARGUMENT_VALUE, Code.RESOURCE_EXHAUSTED_VALUE);
    }
  }

  @Test
  void httpGetIsNotAllowed() throws Exception {
    HttpResponse<byte[]> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(server.otlpHttpUrl())).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void httpJsonExampleIsStoredAsSent() throws Exception {
    assertThat(post(JSON_EXAMPLE.getBytes(StandardCharsets.UTF_8), JSON).statusCode()).isEqualTo(200);
    TestServer.Reply r = server.get("/api/v3/traces/" + TRACE);
    assertThat(r.status()).isEqualTo(200);
    com.fasterxml.jackson.databind.JsonNode span = r.json().at("/result/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(span.get("spanId").asText()).isEqualTo("eee19b7ec3c1b174");
    assertThat(span.get("parentSpanId").asText()).isEqualTo("eee19b7ec3c1b173");
    assertThat(span.get("kind").asInt()).isEqualTo(2);
    assertThat(span.get("endTimeUnixNano").asText()).isEqualTo("1544712661000000000");
    assertThat(span.has("someFutureField")).isFalse();
    assertThat(r.json().at("/result/resourceSpans/0/scopeSpans/0/scope/name").asText()).isEqualTo("my.library");
  }

  @Test
  void invalidIdsAreRejectedThroughPartialSuccessAndTheRestIsKept() throws Exception {
    String trace = "11111111111111111111111111111111";
    ExportTraceServiceRequest req = request(
        span(trace, "0000000000000002", "kept"),
        span("00000000000000000000000000000000", "0000000000000003", "zero trace id"),
        span("111111111111111111111111111111", "0000000000000004", "15-byte trace id"),
        span(trace, "0000000000000000", "zero span id"));
    HttpResponse<byte[]> r = post(req.toByteArray(), PROTO);
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
    assertThat(resp.getPartialSuccess().getErrorMessage())
        .contains("spans[1].traceId", "spans[2].traceId: \"111111111111111111111111111111\"", "spans[3].spanId");
    TestServer.Reply stored = server.get("/api/traces/" + trace);
    assertThat(stored.json().at("/data/0/spans")).hasSize(1);
    assertThat(stored.json().at("/data/0/spans/0/operationName").asText()).isEqualTo("kept");

    ExportTraceServiceResponse grpc = TraceServiceGrpc.newBlockingStub(channel).export(req);
    assertThat(grpc.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
  }

  @Test
  void aFieldWithTheWrongWireTypeIsUnknownSoTheSpanWithoutItIsRejected() throws Exception {
    // trace_id (field 1) sent as a varint: protobuf keeps it as an unknown field, so the span has
    // no trace ID, and that span alone is refused through partial success.
    String trace = "33333333333333333333333333333333";
    Span wrong = span(trace, "0000000000000006", "varint trace id").toBuilder().clearTraceId()
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(1,
            com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(5).build()).build())
        .build();
    ExportTraceServiceRequest req = request(span(trace, "0000000000000005", "kept"), wrong);
    HttpResponse<byte[]> r = post(req.toByteArray(), PROTO);
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(resp.getPartialSuccess().getErrorMessage()).contains("spans[1].traceId");
    assertThat(TraceServiceGrpc.newBlockingStub(channel).export(req).getPartialSuccess().getRejectedSpans())
        .isEqualTo(1);
  }

  @Test
  void grpcAcceptsPlainAndGzipRequests() {
    String trace = "22222222222222222222222222222222";
    TraceServiceGrpc.newBlockingStub(channel).export(request(span(trace, "0000000000000005", "plain")));
    ExportTraceServiceResponse r = TraceServiceGrpc.newBlockingStub(channel).withCompression("gzip")
        .export(request(span(trace, "0000000000000006", "gzip")));
    assertThat(r.hasPartialSuccess()).isFalse();
    TraceServiceGrpc.newBlockingStub(channel).export(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void grpcUndecodableDataIsInvalidArgument() {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
        .setRequestMarshaller(new BytesMarshaller()).setResponseMarshaller(new BytesMarshaller()).build();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, raw, io.grpc.CallOptions.DEFAULT,
        HexFormat.of().parseHex("0aff01")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("cannot be decoded");
        });
  }

  @Test
  void grpcMessagesOverTheCapAreRefusedEvenWhenCompressed() {
    Span big = span(TRACE, "0000000000000007", "big").toBuilder().addAttributes(KeyValue.newBuilder()
        .setKey("blob").setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(zeros(5 << 20))))).build();
    for (boolean compressed : new boolean[] {false, true}) {
      TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(channel);
      if (compressed) {
        stub = stub.withCompression("gzip");
      }
      TraceServiceGrpc.TraceServiceBlockingStub s = stub;
      assertThatThrownBy(() -> s.export(request(big)))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }
  }

  static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
