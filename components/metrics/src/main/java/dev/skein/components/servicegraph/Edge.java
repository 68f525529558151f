package dev.skein.components.servicegraph;

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
  /** Extra dimensions, named with their side's prefix ({@code client_} or {@code server_}). */
  final Map<String, String> dimensions = new LinkedHashMap<>();
  /** The first virtual-node peer attribute found on the client span. */
  final Map<String, String> peer = new LinkedHashMap<>();
  String virtualNodeLabel = "";

  Edge(EdgeStore.Key key, long expiresAt) {
    this.key = key;
    this.expiresAt = expiresAt;
  }

  boolean isComplete() {
    return !clientService.isEmpty() && !serverService.isEmpty();
  }
}
