package dev.skein.components.kafkaexporter;

import dev.skein.components.kafka.internal.Encoding;
import dev.skein.model.Hex;
import dev.skein.model.Nullable;
import dev.skein.model.Traces;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays a batch out as Kafka messages the way the Collector-contrib kafka exporter does: one message
 * per destination topic whose value is the encoded request and whose key is empty, or with
 * {@code partition_traces_by_id} one message per trace keyed by the trace ID in lower-case hex. A
 * value larger than {@code max_message_bytes} is split into smaller requests (whole traces where
 * they fit), so a large batch never fails only for its size.
 */
final class Messages {
  /** One message: destination, key (null for none) and value. */
  record Message(String topic, @Nullable byte[] key, byte[] value, int spans) {}

  private Messages() {}

  static List<Message> of(Traces traces, KafkaExporterConfig config) {
    List<Message> out = new ArrayList<>();
    Encoding encoding = config.encoding();
    int max = config.producer.maxMessageBytes;
    byTopic(traces, config).forEach((topic, part) -> {
      if (config.partitionTracesById) {
        byTraceId(part).forEach((hex, trace) ->
            encodeFitting(out, topic, hex.getBytes(StandardCharsets.US_ASCII), trace, encoding, max));
      } else {
        encodeFitting(out, topic, null, part, encoding, max);
      }
    });
    return out;
  }

  /**
   * Groups resource spans by the topic their resource names in {@code topic_from_attribute}, or
   * the configured topic.
   */
  static Map<String, Traces> byTopic(Traces traces, KafkaExporterConfig config) {
    if (config.topicFromAttribute.isEmpty()) {
      return Map.of(config.topic(), traces);
    }
    Map<String, List<ResourceSpans>> groups = new LinkedHashMap<>();
    for (ResourceSpans rs : traces.resourceSpans()) {
      String topic = config.topic();
      for (KeyValue kv : rs.getResource().getAttributesList()) {
        if (kv.getKey().equals(config.topicFromAttribute)
            && kv.getValue().getValueCase() == AnyValue.ValueCase.STRING_VALUE
            && !kv.getValue().getStringValue().isEmpty()) {
          topic = kv.getValue().getStringValue();
          break;
        }
      }
      groups.computeIfAbsent(topic, t -> new ArrayList<>()).add(rs);
    }
    Map<String, Traces> out = new LinkedHashMap<>();
    groups.forEach((topic, list) -> out.put(topic, Traces.of(list)));
    return out;
  }

  /** Splits a batch into one batch per trace ID (lower-case hex), each keeping its resource and scope headers. */
  static Map<String, Traces> byTraceId(Traces traces) {
    Map<String, Traces.Builder> builders = new LinkedHashMap<>();
    traces.forEachSpan((rs, ss, span) ->
        builders.computeIfAbsent(Hex.encode(span.getTraceId()), k -> Traces.builder()).add(rs, ss, span));
    Map<String, Traces> out = new LinkedHashMap<>();
    builders.forEach((id, b) -> out.put(id, b.build()));
    return out;
  }

  private static void encodeFitting(List<Message> out, String topic, @Nullable byte[] key, Traces traces,
      Encoding encoding, int max) {
    if (traces.isEmpty()) {
      return;
    }
    byte[] value = encoding.encode(traces);
    if (value.length <= max || traces.spanCount() == 1) {
      // A single span larger than the limit goes out as it is; the broker's refusal names the size.
      out.add(new Message(topic, key, value, traces.spanCount()));
      return;
    }
    List<Traces> halves = halve(traces);
    encodeFitting(out, topic, key, halves.get(0), encoding, max);
    encodeFitting(out, topic, key, halves.get(1), encoding, max);
  }

  /** Splits a batch of at least two spans into two of about half the spans each, in order. */
  static List<Traces> halve(Traces traces) {
    int half = traces.spanCount() / 2;
    Traces.Builder first = Traces.builder();
    Traces.Builder second = Traces.builder();
    int[] n = {0};
    traces.forEachSpan((ResourceSpans rs, ScopeSpans ss, Span span) ->
        (n[0]++ < half ? first : second).add(rs, ss, span));
    return List.of(first.build(), second.build());
  }
}
