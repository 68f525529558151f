package dev.skein.components.tailsampling;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import dev.skein.pipeline.TracesConsumer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The next consumer: records every batch and answers as told (completed by default). */
final class Downstream implements TracesConsumer {
  private final List<Traces> batches = new ArrayList<>();
  private volatile Function<Traces, CompletableFuture<Void>> answer = t -> CompletableFuture.completedFuture(null);

  void answerWith(Function<Traces, CompletableFuture<Void>> answer) {
    this.answer = answer;
  }

  @Override
  public CompletableFuture<Void> consume(Traces traces) {
    synchronized (batches) {
      batches.add(traces);
    }
    return answer.apply(traces);
  }

  List<Traces> batches() {
    synchronized (batches) {
      return List.copyOf(batches);
    }
  }

  int spanCount() {
    return batches().stream().mapToInt(Traces::spanCount).sum();
  }

  /** The trace IDs received, in order of first arrival. */
  Set<ByteString> traceIds() {
    Set<ByteString> ids = new LinkedHashSet<>();
    for (Traces t : batches()) {
      t.forEachSpan((rs, ss, span) -> ids.add(span.getTraceId()));
    }
    return ids;
  }
}
