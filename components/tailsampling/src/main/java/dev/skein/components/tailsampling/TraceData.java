package dev.skein.components.tailsampling;

import com.google.protobuf.ByteString;
import dev.skein.model.Traces;
import java.util.List;

/**
 * The spans of one trace as they arrived, in pieces (one per incoming batch that held any).
 *
 * @param traceId the 16-byte trace ID
 * @param pieces batches holding only this trace's spans
 * @param spanCount the number of spans across the pieces
 */
record TraceData(ByteString traceId, List<Traces> pieces, int spanCount) {
  TraceData {
    pieces = List.copyOf(pieces);
  }

  static TraceData of(ByteString traceId, List<Traces> pieces) {
    int count = 0;
    for (Traces t : pieces) {
      count += t.spanCount();
    }
    return new TraceData(traceId, pieces, count);
  }

  void forEachSpan(Traces.SpanVisitor visitor) {
    for (Traces piece : pieces) {
      piece.forEachSpan(visitor);
    }
  }
}
