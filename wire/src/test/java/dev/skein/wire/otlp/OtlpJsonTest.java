package dev.skein.wire.otlp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import dev.skein.model.Hex;
import dev.skein.wire.WireFormatException;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OtlpJsonTest {
  private static final String S = "resourceSpans[0].scopeSpans[0].spans[0]";
  private static final String BASE64_ID = "AAECAwQFBgcICQoLDA0ODw==";
  private static final String INT64 =
      "an integer from -9223372036854775808 to 9223372036854775807, as a JSON number or a decimal string";
  private static final String UINT64 =
      "an integer from 0 to 18446744073709551615, as a JSON number or a decimal string";
  private static final String UINT32 = "an integer from 0 to 4294967295";
  private static final String FLOATING = "a number, \"NaN\", \"Infinity\" or \"-Infinity\"";

  // ---------------------------------------------------------------- the specification's example

  @Test
  void decodesTheSpecificationsExample() throws IOException {
    byte[] json;
    try (InputStream in = getClass().getResourceAsStream("trace-example.json")) {
      json = in.readAllBytes();
    }

    ExportTraceServiceRequest request = OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance());

    ExportTraceServiceRequest expected = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(str("service.name", "checkout")))
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder()
                    .setName("shop.instrumentation")
                    .setVersion("2.3.1")
                    .addAttributes(str("shop.scope.flavour", "vanilla")))
                .addSpans(Span.newBuilder()
                    .setTraceId(hex("0af7651916cd43dd8448eb211c80319c"))
                    .setSpanId(hex("b7ad6b7169203331"))
                    .setParentSpanId(hex("00f067aa0ba902b7"))
                    .setName("POST /cart/checkout")
                    .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                    .setEndTimeUnixNano(1_700_000_000_250_000_000L)
                    .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                    .addAttributes(str("http.request.method", "POST")))))
        .build();
    assertThat(request).isEqualTo(expected);
    // TracesData has the same JSON shape: the file format of the Collector's file exporter.
    assertThat(OtlpJson.decode(json, TracesData.getDefaultInstance()).getResourceSpansList())
        .isEqualTo(expected.getResourceSpansList());
  }

  // ---------------------------------------------------------------------------- decode: errors

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("base64 trace ID in the fourth span",
            spans("{}", "{}", "{}", "{'traceId':'" + BASE64_ID + "'}"),
            "resourceSpans[0].scopeSpans[0].spans[3].traceId: \"" + BASE64_ID
                + "\" is not hexadecimal (OTLP/JSON encodes IDs as hex, not base64)"),
        Arguments.of("enum name",
            spans("{'kind':'SPAN_KIND_SERVER'}"),
            S + ".kind: \"SPAN_KIND_SERVER\" (expected: an integer; enum names are not supported)"),
        Arguments.of("status code name",
            spans("{'status':{'code':'STATUS_CODE_ERROR'}}"),
            S + ".status.code: \"STATUS_CODE_ERROR\" (expected: an integer; enum names are not supported)"),
        Arguments.of("enum as a boolean",
            spans("{'status':{'code':true}}"),
            S + ".status.code: true (expected: an integer)"),
        Arguments.of("enum beyond int32",
            spans("{'kind':4294967296}"),
            S + ".kind: 4294967296 (expected: an integer from -2147483648 to 2147483647)"),
        Arguments.of("span ID with a letter beyond f",
            spans("{'spanId':'xyz1'}"),
            S + ".spanId: \"xyz1\" is not hexadecimal (OTLP/JSON encodes IDs as hex, not base64)"),
        Arguments.of("span ID with non-ASCII digits",
            spans("{'spanId':'\u0663\u0663'}"),
            S + ".spanId: \"\u0663\u0663\" is not hexadecimal (OTLP/JSON encodes IDs as hex, not base64)"),
        Arguments.of("parent span ID with an odd number of digits",
            spans("{'parentSpanId':'abc'}"),
            S + ".parentSpanId: \"abc\" is not hexadecimal (expected: an even number of hex digits)"),
        Arguments.of("base64 link trace ID",
            spans("{'links':[{},{'traceId':'" + BASE64_ID + "'}]}"),
            S + ".links[1].traceId: \"" + BASE64_ID
                + "\" is not hexadecimal (OTLP/JSON encodes IDs as hex, not base64)"),
        Arguments.of("trace ID as a number",
            spans("{'traceId':12}"),
            S + ".traceId: 12 (expected: a hexadecimal string)"),
        Arguments.of("fixed64 with a fraction",
            spans("{'startTimeUnixNano':'12.5'}"),
            S + ".startTimeUnixNano: \"12.5\" (expected: " + UINT64 + ")"),
        Arguments.of("fixed64 not a number",
            spans("{'startTimeUnixNano':'soon'}"),
            S + ".startTimeUnixNano: \"soon\" (expected: " + UINT64 + ")"),
        Arguments.of("fixed64 negative",
            spans("{'endTimeUnixNano':-1}"),
            S + ".endTimeUnixNano: -1 (expected: " + UINT64 + ")"),
        Arguments.of("fixed64 above 2^64-1",
            spans("{'endTimeUnixNano':'18446744073709551616'}"),
            S + ".endTimeUnixNano: \"18446744073709551616\" (expected: " + UINT64 + ")"),
        Arguments.of("fixed64 with a huge exponent",
            spans("{'endTimeUnixNano':1e999999999}"),
            S + ".endTimeUnixNano: 1e999999999 (expected: " + UINT64 + ")"),
        Arguments.of("fixed64 with an exponent beyond an int",
            spans("{'endTimeUnixNano':1e99999999999}"),
            S + ".endTimeUnixNano: 1e99999999999 (expected: " + UINT64 + ")"),
        Arguments.of("uint64 string with an exponent beyond an int",
            spans("{'endTimeUnixNano':'17E1700000000812000000'}"),
            S + ".endTimeUnixNano: \"17E1700000000812000000\" (expected: " + UINT64 + ")"),
        Arguments.of("uint32 above 2^32-1",
            spans("{'droppedAttributesCount':4294967296}"),
            S + ".droppedAttributesCount: 4294967296 (expected: " + UINT32 + ")"),
        Arguments.of("uint32 negative",
            spans("{'droppedEventsCount':-1}"),
            S + ".droppedEventsCount: -1 (expected: " + UINT32 + ")"),
        Arguments.of("fixed32 as a word",
            spans("{'flags':'x'}"),
            S + ".flags: \"x\" (expected: " + UINT32 + ")"),
        Arguments.of("object where a string belongs",
            spans("{'name':{'first':'a'}}"),
            S + ".name: an object (expected: a string)"),
        Arguments.of("number where a string belongs",
            spans("{'name':5}"),
            S + ".name: 5 (expected: a string)"),
        Arguments.of("object where an array belongs",
            spans("{'attributes':{}}"),
            S + ".attributes: an object (expected: an array)"),
        Arguments.of("array where an object belongs",
            spans("{'status':[]}"),
            S + ".status: an array (expected: an object)"),
        Arguments.of("string where a message belongs in an array",
            spans("{'events':['boot']}"),
            S + ".events[0]: \"boot\" (expected: an object)"),
        Arguments.of("null inside an array",
            spans("{}", "null"),
            "resourceSpans[0].scopeSpans[0].spans[1]: null (expected: an object; arrays cannot hold null)"),
        Arguments.of("boolean as a string",
            attribute("{'boolValue':'true'}"),
            S + ".attributes[0].value.boolValue: \"true\" (expected: true or false)"),
        Arguments.of("double as a word",
            attribute("{'doubleValue':'fast'}"),
            S + ".attributes[0].value.doubleValue: \"fast\" (expected: " + FLOATING + ")"),
        Arguments.of("double out of range",
            attribute("{'doubleValue':1e400}"),
            S + ".attributes[0].value.doubleValue: 1e400 (expected: a number within the range of a double)"),
        Arguments.of("int64 with a fraction",
            attribute("{'intValue':1.5}"),
            S + ".attributes[0].value.intValue: 1.5 (expected: " + INT64 + ")"),
        Arguments.of("int64 above 2^63-1",
            attribute("{'intValue':'9223372036854775808'}"),
            S + ".attributes[0].value.intValue: \"9223372036854775808\" (expected: " + INT64 + ")"),
        Arguments.of("int64 with spaces",
            attribute("{'intValue':' 5'}"),
            S + ".attributes[0].value.intValue: \" 5\" (expected: " + INT64 + ")"),
        Arguments.of("bytes that are not base64",
            attribute("{'bytesValue':'@@@'}"),
            S + ".attributes[0].value.bytesValue: \"@@@\" is not base64 (expected: standard or URL-safe base64)"),
        Arguments.of("error inside a nested kvlist",
            attribute("{'kvlistValue':{'values':[{'key':'a','value':{'arrayValue':{'values':[{},{'intValue':'x'}]}}}]}}"),
            S + ".attributes[0].value.kvlistValue.values[0].value.arrayValue.values[1].intValue: \"x\" (expected: "
                + INT64 + ")"),
        Arguments.of("long values are cut in the message",
            spans("{'name':" + "7".repeat(100) + "}"),
            S + ".name: " + "7".repeat(64) + "... (expected: a string)"),
        Arguments.of("top-level array",
            "[]",
            "(root): an array (expected: a JSON object)"),
        Arguments.of("top-level string",
            "\"resourceSpans\"",
            "(root): \"resourceSpans\" (expected: a JSON object)"),
        Arguments.of("no content",
            "  ",
            "(root): no content (expected: a JSON object)"),
        Arguments.of("a second document",
            "{} {}",
            "(root): an object after the top-level object (expected: the end of the document)"),
        Arguments.of("wrong top-level field type",
            "{'resourceSpans':{}}",
            "resourceSpans: an object (expected: an array)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void rejectsWithPathAndProblem(String name, String json, String message) {
    assertThatThrownBy(() -> decodeRequest(json))
        .isInstanceOf(WireFormatException.class)
        .hasMessage(message);
  }

  @Test
  void exceptionSeparatesPathAndProblem() {
    WireFormatException e = catchDecode(spans("{'kind':'SPAN_KIND_CLIENT'}"));
    assertThat(e.path()).isEqualTo(S + ".kind");
    assertThat(e.problem()).isEqualTo("\"SPAN_KIND_CLIENT\" (expected: an integer; enum names are not supported)");
    assertThat(catchDecode("[]").path()).isEmpty();
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("truncated inside a span",
            "{'resourceSpans':[{'scopeSpans':[{'spans':[{'name':'x'",
            S + ": malformed JSON: Unexpected end-of-input"),
        Arguments.of("truncated inside an array",
            "{'resourceSpans':[{'scopeSpans':[{'spans':[{},",
            "resourceSpans[0].scopeSpans[0].spans[1]: malformed JSON: Unexpected end-of-input"),
        Arguments.of("truncated inside a string",
            "{'resourceSpans':[{'scopeSpans':[{'spans':[{'name':'unfinished",
            S + ".name: malformed JSON: Unexpected end-of-input"),
        Arguments.of("truncated inside an unknown field",
            "{'resourceSpans':[{'future':{'a':[1,2",
            "resourceSpans[0].future: malformed JSON: Unexpected end-of-input"),
        Arguments.of("bad literal",
            "{'resourceSpans':[tru]}",
            "resourceSpans[0]: malformed JSON: Unrecognized token 'tru'"),
        Arguments.of("missing comma",
            "{'resourceSpans':[{'schemaUrl':'a' 'resource':{}}]}",
            "resourceSpans[0]: malformed JSON: Unexpected character"),
        Arguments.of("unquoted NaN",
            spans("{'attributes':[{'value':{'doubleValue':NaN}}]}").replace("'", "\""),
            S + ".attributes[0].value.doubleValue: malformed JSON: Non-standard token 'NaN'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedJsonNamesThePath(String name, String json, String messageStart) {
    WireFormatException e = catchDecode(json);
    assertThat(e.getMessage()).startsWith(messageStart).contains("(at line 1, column ");
  }

  @Test
  void bytesThatAreNotJsonTextAreMalformed() {
    // A UTF-32 byte order mark in a byte order Jackson cannot read.
    byte[] body = {(byte) 0xfe, (byte) 0xff, 0, 0, '{', '}', 0, 0};
    assertThatThrownBy(() -> OtlpJson.decode(body, ExportTraceServiceRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(WireFormatException.class, e -> {
          assertThat(e.path()).isEmpty();
          assertThat(e.problem()).isEqualTo(
              "malformed JSON: Unsupported UCS-4 endianness (3412) detected (expected: UTF-8 text)");
        });
    assertThatThrownBy(() -> OtlpJson.decode(new ByteArrayInputStream(body), ExportTraceServiceRequest.getDefaultInstance()))
        .isInstanceOf(WireFormatException.class);
  }

  // ------------------------------------------------------------------------ decode: good input

  static Stream<Arguments> int64Forms() {
    long t = 1_700_000_000_123_456_789L;
    return Stream.of(
        Arguments.of("{'startTimeUnixNano':1700000000123456789}", t),
        Arguments.of("{'startTimeUnixNano':'1700000000123456789'}", t),
        Arguments.of("{'startTimeUnixNano':'01700000000123456789'}", t),
        Arguments.of("{'startTimeUnixNano':1.7e18}", 1_700_000_000_000_000_000L),
        Arguments.of("{'startTimeUnixNano':'1.7e18'}", 1_700_000_000_000_000_000L),
        Arguments.of("{'startTimeUnixNano':1700000000123456789.000}", t),
        Arguments.of("{'startTimeUnixNano':0}", 0L),
        Arguments.of("{'startTimeUnixNano':'18446744073709551615'}", -1L),
        Arguments.of("{'startTimeUnixNano':18446744073709551615}", -1L),
        Arguments.of("{'startTimeUnixNano':9223372036854775808}", Long.MIN_VALUE),
        Arguments.of("{'startTimeUnixNano':null}", 0L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("int64Forms")
  void fixed64AcceptsNumbersAndStrings(String span, long expected) {
    assertThat(firstSpan(decodeRequest(spans(span))).getStartTimeUnixNano()).isEqualTo(expected);
  }

  static Stream<Arguments> attributeValues() {
    return Stream.of(
        Arguments.of("{'intValue':-42}", AnyValue.newBuilder().setIntValue(-42).build()),
        Arguments.of("{'intValue':'-42'}", AnyValue.newBuilder().setIntValue(-42).build()),
        Arguments.of("{'intValue':'-9223372036854775808'}", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()),
        Arguments.of("{'intValue':'0'}", AnyValue.newBuilder().setIntValue(0).build()),
        Arguments.of("{'doubleValue':2.5}", AnyValue.newBuilder().setDoubleValue(2.5).build()),
        Arguments.of("{'doubleValue':3}", AnyValue.newBuilder().setDoubleValue(3).build()),
        Arguments.of("{'doubleValue':'2.5'}", AnyValue.newBuilder().setDoubleValue(2.5).build()),
        Arguments.of("{'doubleValue':-1e-3}", AnyValue.newBuilder().setDoubleValue(-0.001).build()),
        Arguments.of("{'doubleValue':'NaN'}", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()),
        Arguments.of("{'doubleValue':'Infinity'}",
            AnyValue.newBuilder().setDoubleValue(Double.POSITIVE_INFINITY).build()),
        Arguments.of("{'doubleValue':'-Infinity'}",
            AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY).build()),
        Arguments.of("{'boolValue':false}", AnyValue.newBuilder().setBoolValue(false).build()),
        Arguments.of("{'stringValue':''}", AnyValue.newBuilder().setStringValue("").build()),
        Arguments.of("{'stringValue':'caf\u00e9 \\u2603'}", AnyValue.newBuilder().setStringValue("caf\u00e9 \u2603").build()),
        Arguments.of("{'bytesValue':'AAECAw=='}", bytesValue(0, 1, 2, 3)),
        Arguments.of("{'bytesValue':'AAECAw'}", bytesValue(0, 1, 2, 3)),
        Arguments.of("{'bytesValue':'-_8='}", bytesValue(0xfb, 0xff)),
        Arguments.of("{'bytesValue':'+/8='}", bytesValue(0xfb, 0xff)),
        Arguments.of("{'stringValue':'a','intValue':7}", AnyValue.newBuilder().setIntValue(7).build()),
        Arguments.of("{'stringValue':null}", AnyValue.getDefaultInstance()),
        Arguments.of("{'arrayValue':{'values':[{'intValue':1},{'stringValue':'x'}]}}",
            AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                .addValues(AnyValue.newBuilder().setIntValue(1))
                .addValues(AnyValue.newBuilder().setStringValue("x"))).build()),
        Arguments.of("{'kvlistValue':{'values':[{'key':'k','value':{'boolValue':true}}]}}",
            AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(KeyValue.newBuilder().setKey("k")
                    .setValue(AnyValue.newBuilder().setBoolValue(true)))).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attributeValues")
  void decodesAttributeValues(String value, AnyValue expected) {
    Span span = firstSpan(decodeRequest(attribute(value)));
    assertThat(span.getAttributes(0).getValue()).isEqualTo(expected);
  }

  static Stream<Arguments> ids() {
    return Stream.of(
        Arguments.of("'5B8EFFF798038103D269B633813FC60C'", "5b8efff798038103d269b633813fc60c"),
        Arguments.of("'5b8efff798038103d269b633813fc60c'", "5b8efff798038103d269b633813fc60c"),
        Arguments.of("'5b8EFFF798038103d269B633813FC60c'", "5b8efff798038103d269b633813fc60c"),
        Arguments.of("''", ""),
        Arguments.of("null", ""),
        // A wrong length is the receiver's to reject, span by span; the decoder keeps the bytes.
        Arguments.of("'abcd'", "abcd"),
        Arguments.of("'00000000000000000000000000000000ff'", "00000000000000000000000000000000ff"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ids")
  void idsAreCaseInsensitiveHexOfAnyLength(String id, String expectedHex) {
    Span span = firstSpan(decodeRequest(spans(
        "{'traceId':" + id + ",'spanId':" + id + ",'parentSpanId':" + id
            + ",'links':[{'traceId':" + id + ",'spanId':" + id + "}]}")));
    assertThat(Hex.encode(span.getTraceId())).isEqualTo(expectedHex);
    assertThat(Hex.encode(span.getSpanId())).isEqualTo(expectedHex);
    assertThat(Hex.encode(span.getParentSpanId())).isEqualTo(expectedHex);
    assertThat(Hex.encode(span.getLinks(0).getTraceId())).isEqualTo(expectedHex);
    assertThat(Hex.encode(span.getLinks(0).getSpanId())).isEqualTo(expectedHex);
  }

  static Stream<Arguments> ignored() {
    return Stream.of(
        Arguments.of("unknown scalar at the top", "{'resourceSpans':[],'version':2}"),
        Arguments.of("unknown object at the top", "{'header':{'a':{'b':{'c':[1,2,{'d':null}]}}}}"),
        Arguments.of("unknown array of objects", "{'extensions':[{'a':[{'b':[]}]},{},[[[]]]]}"),
        Arguments.of("unknown null", "{'nothing':null}"),
        Arguments.of("snake_case top-level key", "{'resource_spans':[{'scopeSpans':[{'spans':[{}]}]}]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ignored")
  void unknownKeysAreIgnoredWithTheirWholeValue(String name, String json) {
    assertThat(decodeRequest(json)).isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void unknownKeysInsideMessagesAreIgnored() {
    Span span = firstSpan(decodeRequest(spans(
        "{'name':'a','future':{'x':[{'y':'z'}],'w':[1,[2,[3]]]},'kind':3,'links2':[{'traceId':12}],'after':true}")));
    assertThat(span).isEqualTo(Span.newBuilder().setName("a").setKind(Span.SpanKind.SPAN_KIND_CLIENT).build());
  }

  @Test
  void snakeCaseKeysAreUnknownKeys() {
    Span span = firstSpan(decodeRequest(spans(
        "{'trace_id':'5b8efff798038103d269b633813fc60c','span_id':'eee19b7ec3c1b174',"
            + "'parent_span_id':'eee19b7ec3c1b173','start_time_unix_nano':'1','end_time_unix_nano':2,"
            + "'dropped_attributes_count':3,'trace_state':'a=b','name':'kept'}")));
    assertThat(span).isEqualTo(Span.newBuilder().setName("kept").build());
  }

  @Test
  void emptyObjectIsTheEmptyRequest() {
    assertThat(OtlpJson.decode("{}".getBytes(UTF_8), ExportTraceServiceRequest.getDefaultInstance()))
        .isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
    assertThat(decodeRequest(" { } \n")).isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void nullIsTheDefaultValue() {
    Span span = firstSpan(decodeRequest(spans(
        "{'name':null,'kind':null,'attributes':null,'status':null,'traceId':null,'flags':null}")));
    assertThat(span).isEqualTo(Span.getDefaultInstance());
    assertThat(decodeRequest("{'resourceSpans':null}")).isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void unknownEnumNumbersAreKept() {
    Span span = firstSpan(decodeRequest(spans("{'kind':42,'status':{'code':7}}")));
    assertThat(span.getKindValue()).isEqualTo(42);
    assertThat(span.getStatus().getCodeValue()).isEqualTo(7);
    assertThat(roundTrip(span)).isEqualTo(span);
  }

  @Test
  void repeatedKeysMergeAsInTheBinaryEncoding() {
    Span span = firstSpan(decodeRequest(spans(
        "{'name':'first','attributes':[{'key':'a'}],'status':{'code':2},"
            + "'name':'second','attributes':[{'key':'b'}],'status':{'message':'m'}}")));
    assertThat(span.getName()).isEqualTo("second");
    assertThat(span.getAttributesList()).extracting(KeyValue::getKey).containsExactly("a", "b");
    assertThat(span.getStatus()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.newBuilder()
        .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR).setMessage("m").build());
  }

  @Test
  void decodesFromAStreamWithoutClosingIt() throws IOException {
    boolean[] closed = {false};
    InputStream in = new ByteArrayInputStream(json(spans("{'name':'streamed'}")).getBytes(UTF_8)) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    ExportTraceServiceRequest request = OtlpJson.decode(in, ExportTraceServiceRequest.getDefaultInstance());
    assertThat(firstSpan(request).getName()).isEqualTo("streamed");
    assertThat(closed[0]).isFalse();
  }

  // ---------------------------------------------------------------------------- decode: depth

  static Stream<Arguments> deepValues() {
    return Stream.of(
        Arguments.of("kvlist", "{'kvlistValue':{'values':[{'key':'k','value':", "}]}}"),
        Arguments.of("array", "{'arrayValue':{'values':[", "]}}"));
  }

  @ParameterizedTest(name = "{0} nested 10,000 deep")
  @MethodSource("deepValues")
  void deepNestingIsACleanError(String name, String open, String close) {
    int levels = 10_000;
    String value = json(open).repeat(levels) + "{}" + json(close).repeat(levels);
    String request = json("{'resourceSpans':[{'scopeSpans':[{'spans':[{'attributes':[{'key':'deep','value':")
        + value + "}]}]}]}]}";

    WireFormatException e = catchDecode(request);
    assertThat(e.problem()).isEqualTo("messages nested deeper than 101 levels (expected: at most 101)");
    assertThat(e.path()).startsWith(S + ".attributes[0].value." + name + "Value.values[0]");
  }

  @Test
  void decodesTheJsonOfEveryRequestProtobufAccepts() throws Exception {
    // request, resource spans, scope spans, span, key-value, any value: six levels; then three per
    // key-value list, and two for the array around the innermost value.
    ExportTraceServiceRequest deepest = nestedRequest(31);
    assertThat(ExportTraceServiceRequest.parseFrom(deepest.toByteArray())).isEqualTo(deepest);
    assertThat(decodeRequest(new String(OtlpJson.encode(deepest), UTF_8))).isEqualTo(deepest);

    byte[] tooDeep = nestedRequest(32).toByteArray();
    assertThatThrownBy(() -> ExportTraceServiceRequest.parseFrom(tooDeep))
        .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
    assertThat(catchDecode(new String(OtlpJson.encode(nestedRequest(32)), UTF_8)).problem())
        .isEqualTo("messages nested deeper than 101 levels (expected: at most 101)");
  }

  private static ExportTraceServiceRequest nestedRequest(int kvlists) {
    AnyValue value = AnyValue.newBuilder()
        .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("x"))).build();
    for (int i = 0; i < kvlists; i++) {
      value = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
          .addValues(KeyValue.newBuilder().setKey("k").setValue(value))).build();
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(value))))).build();
  }

  @Test
  void deepUnknownValuesHitTheParsersLimit() {
    int levels = 10_000;
    String request = "{\"unknown\":" + "[".repeat(levels) + "]".repeat(levels) + "}";
    WireFormatException e = catchDecode(request);
    assertThat(e.getMessage()).startsWith("unknown: JSON exceeds a parser limit: ");
  }

  @Test
  void moderatelyDeepUnknownValuesAreSkipped() {
    int levels = 1_500;
    String request = "{\"unknown\":" + "[".repeat(levels) + "]".repeat(levels) + "}";
    assertThat(decodeRequest(request)).isEqualTo(ExportTraceServiceRequest.getDefaultInstance());
  }

  @Test
  void maxDepthCountsMessages() {
    byte[] json = json(spans("{'name':'x'}")).getBytes(UTF_8);
    // request, resource spans, scope spans, span: four levels
    assertThat(OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance(), 4).getResourceSpansCount())
        .isEqualTo(1);
    assertThatThrownBy(() -> OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance(), 3))
        .isInstanceOf(WireFormatException.class)
        .hasMessage(S + ": messages nested deeper than 3 levels (expected: at most 3)");
  }

  @Test
  void maxDepthIsValidated() {
    byte[] json = "{}".getBytes(UTF_8);
    assertThatThrownBy(() -> OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDepth: 0 (expected: 1 to 1000)");
    assertThatThrownBy(() -> OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance(), 1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDepth: 1001 (expected: 1 to 1000)");
  }

  // ---------------------------------------------------------------------------------- encode

  static Stream<Arguments> encodings() {
    Span span = Span.newBuilder()
        .setTraceId(hex("5b8efff798038103d269b633813fc60c"))
        .setSpanId(hex("eee19b7ec3c1b174"))
        .setFlags(0x301)
        .setName("GET /")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(1_544_712_660_000_000_000L)
        .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder()
            .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR))
        .build();
    BadRequest badRequest = BadRequest.newBuilder()
        .addFieldViolations(BadRequest.FieldViolation.newBuilder()
            .setField("resourceSpans[0]").setDescription("bad"))
        .build();
    return Stream.of(
        Arguments.of(span,
            "{'traceId':'5b8efff798038103d269b633813fc60c','spanId':'eee19b7ec3c1b174','flags':769,"
                + "'name':'GET /','kind':2,'startTimeUnixNano':'1544712660000000000','status':{'code':2}}"),
        Arguments.of(Span.getDefaultInstance(), "{}"),
        Arguments.of(Span.newBuilder().setKind(Span.SpanKind.SPAN_KIND_UNSPECIFIED).setName("").build(), "{}"),
        Arguments.of(Span.newBuilder().setEndTimeUnixNano(-1L).build(),
            "{'endTimeUnixNano':'18446744073709551615'}"),
        Arguments.of(Span.newBuilder().setDroppedAttributesCount(-1).build(),
            "{'droppedAttributesCount':4294967295}"),
        Arguments.of(Span.newBuilder().setKindValue(42).build(), "{'kind':42}"),
        Arguments.of(AnyValue.newBuilder().setIntValue(0).build(), "{'intValue':'0'}"),
        Arguments.of(AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build(),
            "{'intValue':'-9223372036854775808'}"),
        Arguments.of(AnyValue.newBuilder().setStringValue("").build(), "{'stringValue':''}"),
        Arguments.of(AnyValue.newBuilder().setDoubleValue(Double.NaN).build(), "{'doubleValue':'NaN'}"),
        Arguments.of(AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY).build(),
            "{'doubleValue':'-Infinity'}"),
        Arguments.of(AnyValue.newBuilder().setDoubleValue(0.25).build(), "{'doubleValue':0.25}"),
        Arguments.of(bytesValue(0xfb, 0xff), "{'bytesValue':'+/8='}"),
        Arguments.of(ExportTraceServiceResponse.getDefaultInstance(), "{}"),
        Arguments.of(ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(2).setErrorMessage("2 spans have invalid trace IDs"))
                .build(),
            "{'partialSuccess':{'rejectedSpans':'2','errorMessage':'2 spans have invalid trace IDs'}}"),
        Arguments.of(ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(ExportTracePartialSuccess.getDefaultInstance()).build(),
            "{'partialSuccess':{}}"),
        Arguments.of(Status.newBuilder().setCode(3).setMessage("bad data").build(),
            "{'code':3,'message':'bad data'}"),
        Arguments.of(Status.newBuilder().setCode(3).addDetails(Any.pack(badRequest)).build(),
            "{'code':3,'details':[{'@type':'type.googleapis.com/google.rpc.BadRequest','value':'"
                + Base64.getEncoder().encodeToString(badRequest.toByteArray()) + "'}]}"),
        Arguments.of(ErrorInfo.newBuilder().setReason("r").putMetadata("b", "2").putMetadata("a", "1").build(),
            "{'reason':'r','metadata':{'b':'2','a':'1'}}"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("encodings")
  void encodes(Message message, String expected) {
    assertThat(new String(OtlpJson.encode(message), UTF_8)).isEqualTo(json(expected));
    assertThat(roundTrip(message)).isEqualTo(message);
  }

  @Test
  void roundTripsEveryTraceField() {
    TracesData data = TracesData.newBuilder()
        .addResourceSpans(everyField())
        .addResourceSpans(ResourceSpans.getDefaultInstance())
        .build();
    assertThat(roundTrip(data)).isEqualTo(data);

    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(data.getResourceSpansList())
        .build();
    byte[] json = OtlpJson.encode(request);
    assertThat(OtlpJson.decode(json, ExportTraceServiceRequest.getDefaultInstance())).isEqualTo(request);
    // TracesData and ExportTraceServiceRequest share their JSON form.
    assertThat(OtlpJson.decode(json, TracesData.getDefaultInstance())).isEqualTo(data);
  }

  @Test
  void encodesIdsAsLowerCaseHexAndNothingElseAsHex() {
    String json = new String(OtlpJson.encode(TracesData.newBuilder().addResourceSpans(everyField()).build()), UTF_8);
    assertThat(json)
        .contains("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\"")
        .contains("\"spanId\":\"a1a2a3a4a5a6a7a8\"")
        .contains("\"parentSpanId\":\"b1b2b3b4b5b6b7b8\"")
        .contains("\"traceId\":\"f0e0d0c0b0a090807060504030201000\"")
        .contains("\"bytesValue\":\"3q2+7w==\"")
        .doesNotContain("_");
  }

  @Test
  void writesToAStreamWithoutClosingIt() throws IOException {
    boolean[] closed = {false};
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    OtlpJson.encode(ExportTraceServiceResponse.getDefaultInstance(), out);
    assertThat(out.toString(UTF_8)).isEqualTo("{}");
    assertThat(closed[0]).isFalse();
  }

  // --------------------------------------------------------------------------------- helpers

  private static ResourceSpans everyField() {
    AnyValue nested = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
            .addValues(KeyValue.newBuilder().setKey("list").setValue(AnyValue.newBuilder()
                .setArrayValue(ArrayValue.newBuilder()
                    .addValues(AnyValue.newBuilder().setStringValue("s"))
                    .addValues(AnyValue.newBuilder().setBoolValue(true))
                    .addValues(AnyValue.newBuilder().setIntValue(-7))
                    .addValues(AnyValue.newBuilder().setDoubleValue(-0.5))
                    .addValues(AnyValue.newBuilder().setDoubleValue(Double.POSITIVE_INFINITY))
                    .addValues(AnyValue.newBuilder().setBytesValue(bytes(0xde, 0xad, 0xbe, 0xef)))
                    .addValues(AnyValue.getDefaultInstance())
                    .addValues(AnyValue.newBuilder().setStringValueStrindex(3)))))
            .addValues(KeyValue.newBuilder().setKeyStrindex(4)))
        .build();
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(str("service.name", "checkout"))
            .addAttributes(KeyValue.newBuilder().setKey("nested").setValue(nested))
            .setDroppedAttributesCount(1)
            .addEntityRefs(EntityRef.newBuilder()
                .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
                .setType("service")
                .addIdKeys("service.name")
                .addDescriptionKeys("service.version")))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.29.0")
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder()
                .setName("io.opentelemetry.jdbc")
                .setVersion("2.10.0")
                .addAttributes(str("scope.attr", "x"))
                .setDroppedAttributesCount(2))
            .setSchemaUrl("https://opentelemetry.io/schemas/1.28.0")
            .addSpans(Span.newBuilder()
                .setTraceId(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
                .setSpanId(bytes(0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8))
                .setTraceState("vendor=value,other=1")
                .setParentSpanId(bytes(0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8))
                .setFlags(0x301)
                .setName("SELECT orders")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(1_700_000_000_000_000_001L)
                .setEndTimeUnixNano(-2L)
                .addAttributes(str("db.system", "postgresql"))
                .addAttributes(KeyValue.newBuilder().setKey("rows").setValue(AnyValue.newBuilder().setIntValue(800)))
                .setDroppedAttributesCount(3)
                .addEvents(Span.Event.newBuilder()
                    .setTimeUnixNano(1_700_000_000_100_000_000L)
                    .setName("exception")
                    .addAttributes(str("exception.type", "java.sql.SQLTimeoutException"))
                    .setDroppedAttributesCount(4))
                .setDroppedEventsCount(5)
                .addLinks(Span.Link.newBuilder()
                    .setTraceId(bytes(0xf0, 0xe0, 0xd0, 0xc0, 0xb0, 0xa0, 0x90, 0x80,
                        0x70, 0x60, 0x50, 0x40, 0x30, 0x20, 0x10, 0x00))
                    .setSpanId(bytes(0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8))
                    .setTraceState("k=v")
                    .addAttributes(str("link.reason", "batch"))
                    .setDroppedAttributesCount(6)
                    .setFlags(0x100))
                .setDroppedLinksCount(7)
                .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder()
                    .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR)
                    .setMessage("timeout after 800 ms")))
            .addSpans(Span.getDefaultInstance()))
        .build();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T roundTrip(T message) {
    return (T) OtlpJson.decode(OtlpJson.encode(message), message.getDefaultInstanceForType());
  }

  private static ExportTraceServiceRequest decodeRequest(String json) {
    return OtlpJson.decode(json(json).getBytes(UTF_8), ExportTraceServiceRequest.getDefaultInstance());
  }

  private static WireFormatException catchDecode(String json) {
    try {
      decodeRequest(json);
    } catch (WireFormatException e) {
      return e;
    }
    throw new AssertionError("decoded without error: " + json);
  }

  private static Span firstSpan(ExportTraceServiceRequest request) {
    return request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  /** Single quotes read better in Java strings; test data has no apostrophes. */
  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static String spans(String... spans) {
    return "{'resourceSpans':[{'scopeSpans':[{'spans':[" + String.join(",", spans) + "]}]}]}";
  }

  private static String attribute(String value) {
    return spans("{'attributes':[{'key':'a','value':" + value + "}]}");
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static AnyValue bytesValue(int... b) {
    return AnyValue.newBuilder().setBytesValue(bytes(b)).build();
  }

  private static ByteString bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return ByteString.copyFrom(out);
  }

  private static ByteString hex(String hex) {
    return ByteString.copyFrom(Hex.decode(hex));
  }
}
