package dev.skein.components.kafkaexporter;

import dev.skein.components.kafkaexporter.Messages.Message;
import dev.skein.exporterhelper.TracesSender;
import dev.skein.model.Traces;
import dev.skein.pipeline.CreateSettings;
import dev.skein.pipeline.Host;
import dev.skein.pipeline.PipelineException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces each batch as Kafka messages (see {@link Messages}) and completes once the brokers
 * acknowledged every one of them with {@code required_acks}. Kafka's retriable errors (broker
 * unreachable, leader moving, timeouts) fail the batch as retryable, so the exporter helper queues
 * and retries it; everything else (a message too large, authorization) is permanent.
 */
final class KafkaSender implements TracesSender {
  private static final Logger log = LoggerFactory.getLogger(KafkaSender.class);
  /** Room above max_message_bytes for a record's key, headers and framing. */
  private static final int RECORD_OVERHEAD = 64 * 1024;

  private final CreateSettings settings;
  private final KafkaExporterConfig config;
  private volatile Producer<byte[], byte[]> producer;

  KafkaSender(CreateSettings settings, KafkaExporterConfig config) {
    this.settings = settings;
    this.config = config;
  }

  @Override
  public synchronized void start(Host host) {
    if (producer != null) {
      return;
    }
    producer = new KafkaProducer<>(producerProperties(config), new ByteArraySerializer(), new ByteArraySerializer());
    log.info("kafka exporter \"{}\" producing to {} at {}", settings.id(), config.topic(),
        String.join(",", config.brokers()));
  }

  /** The producer's properties for {@code config}. */
  static Map<String, Object> producerProperties(KafkaExporterConfig config) {
    Map<String, Object> p = config.clientProperties();
    KafkaExporterConfig.ProducerSettings s = config.producer;
    p.put("acks", s.requiredAcks == -1 ? "all" : Integer.toString(s.requiredAcks));
    // Idempotence keeps the producer's own retries from duplicating messages; it needs acks=all.
    p.put("enable.idempotence", s.requiredAcks == -1);
    p.put("compression.type", s.compression);
    if (s.compressionParams.level != -1 && !s.compression.equals("none") && !s.compression.equals("snappy")) {
      p.put("compression." + s.compression + ".level", s.compressionParams.level);
    }
    p.put("linger.ms", s.linger.toMillis());
    p.put("max.request.size", s.maxMessageBytes + RECORD_OVERHEAD);
    long timeout = config.timeout.toMillis();
    // One attempt of the exporter helper lasts about `timeout`: waiting for metadata, and the
    // producer's own retries within the delivery timeout (which must cover linger and a request).
    p.put("max.block.ms", timeout);
    p.put("request.timeout.ms", (int) Math.min(Integer.MAX_VALUE, timeout));
    p.put("delivery.timeout.ms", (int) Math.min(Integer.MAX_VALUE, timeout + s.linger.toMillis()));
    return p;
  }

  @Override
  public CompletableFuture<Void> send(Traces traces) {
    Producer<byte[], byte[]> p = producer;
    if (p == null) {
      return CompletableFuture.failedFuture(
          PipelineException.retryable("exporter \"" + settings.id() + "\" is not running", null));
    }
    List<Message> messages;
    try {
      messages = Messages.of(traces, config);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(PipelineException.permanent("cannot encode the batch: " + e.getMessage(), e));
    }
    List<CompletableFuture<Void>> acks = new ArrayList<>(messages.size());
    for (Message m : messages) {
      CompletableFuture<Void> ack = new CompletableFuture<>();
      acks.add(ack);
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(m.topic(), null, m.key(), m.value());
      config.recordHeaders.forEach((k, v) ->
          record.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
      if (!traces.tenant().isEmpty()) {
        // The tenant travels beside the spans, as Tempo's distributor passes it to its ingesters.
        record.headers().remove(dev.skein.model.Tenants.HEADER);
        record.headers().add(new RecordHeader(dev.skein.model.Tenants.HEADER,
            traces.tenant().getBytes(StandardCharsets.UTF_8)));
      }
      try {
        p.send(record, (metadata, error) -> {
          if (error == null) {
            ack.complete(null);
          } else {
            ack.completeExceptionally(classify(m, error));
          }
        });
      } catch (RuntimeException e) {
        ack.completeExceptionally(classify(m, e));
      }
    }
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).handle((v, t) -> {
      if (t == null) {
        return null;
      }
      PipelineException worst = null;
      for (CompletableFuture<Void> ack : acks) {
        if (ack.isCompletedExceptionally()) {
          PipelineException e = PipelineException.classify(ack.handle((x, err) -> err).join());
          if (worst == null || !e.isRetryable()) {
            worst = e;
          }
        }
      }
      throw worst;
    });
  }

  /**
   * Classifies a producer failure. A retry of the batch may duplicate the messages that did get
   * through; Skein's consumers store spans idempotently, so that is harmless.
   */
  static PipelineException classify(Message m, Throwable error) {
    String what = "topic \"" + m.topic() + "\": " + error.getClass().getSimpleName() + ": " + error.getMessage();
    if (error instanceof RetriableException || error instanceof IllegalStateException) {
      return PipelineException.retryable(what, error);
    }
    if (error instanceof KafkaException && error.getClass() == KafkaException.class) {
      // The plain KafkaException wraps connection-level trouble (a producer closing, a lost
      // transaction state) that a later attempt may not meet.
      return PipelineException.retryable(what, error);
    }
    return PipelineException.permanent(what, error);
  }

  @Override
  public synchronized void shutdown() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
      producer = null;
    }
  }
}
