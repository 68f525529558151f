package dev.skein.zipkin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.skein.model.Ids;
import dev.skein.model.Traces;
import dev.skein.wire.WireFormatException;
import java.util.function.Function;

/**
 * Fuzz tests of the Zipkin decoders behind {@code POST /api/v2/spans}, JSON v2 and proto3, with
 * and without {@code parseStringTags}. A decoder either returns spans, each with a valid trace and
 * span ID, or throws the {@link WireFormatException} the receiver answers with HTTP 400; anything
 * else is a bug. {@code ./skein test} runs them over the inputs in {@code ZipkinFuzzTestInputs};
 * {@code ./skein fuzz} fuzzes them.
 */
class ZipkinFuzzTest {
  private static final ZipkinTranslator PLAIN = ZipkinTranslator.create(false);
  private static final ZipkinTranslator PARSING_TAGS = ZipkinTranslator.create(true);

  @FuzzTest
  void json(byte[] body) {
    decodes(t -> t.fromJson(body));
  }

  @FuzzTest
  void proto3(byte[] body) {
    decodes(t -> t.fromProto3(body));
  }

  private static void decodes(Function<ZipkinTranslator, Traces> decode) {
    for (ZipkinTranslator translator : new ZipkinTranslator[] {PLAIN, PARSING_TAGS}) {
      Traces traces;
      try {
        traces = decode.apply(translator);
      } catch (WireFormatException e) {
        assertThat(e.problem()).isNotBlank();
        continue;
      }
      traces.forEachSpan((resource, scope, span) -> {
        assertThat(Ids.isValidTraceId(span.getTraceId())).as("trace ID of %s", span).isTrue();
        assertThat(Ids.isValidSpanId(span.getSpanId())).as("span ID of %s", span).isTrue();
      });
    }
  }
}
