package dev.skein.components.servicegraph;

import dev.skein.model.Nullable;
import java.util.LinkedHashMap;
import java.util.Map;

/** One request between two nodes, filled in from its client span, its server span, or both. */
final class Edge {
  static final String UNSET = "";
  static final String MESSAGING_SYSTEM = "messaging_system";
  static final String DATABASE = "database";
  static final String VIRTUAL_NODE = "virtual_node";

  final EdgeStore.Key key;
  final long expiresAt;
  String clientService = "";
  String serverService = "";
  String connectionType = UNSET;
  boolean failed;
  double clientLatencySeconds;
  double serverLatencySeconds;
  /** Extra dimensions, named with their side's prefix ({@code client_} or {@code server_}); made on first use. */
  @Nullable Map<String, String> dimensions;
  /** The value of the first virtual-node peer attribute found on the client span. */
  @Nullable String peer;
  String virtualNodeLabel = "";

  Edge(EdgeStore.Key key, long expiresAt) {
    this.key = key;
    this.expiresAt = expiresAt;
  }

  void putDimension(String name, String value) {
    if (dimensions == null) {
      dimensions = new LinkedHashMap<>();
    }
    dimensions.put(name, value);
  }

  @Nullable String dimension(String name) {
    return dimensions == null ? null : dimensions.get(name);
  }

  boolean isComplete() {
    return !clientService.isEmpty() && !serverService.isEmpty();
  }
}
