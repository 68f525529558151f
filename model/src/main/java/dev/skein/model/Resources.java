package dev.skein.model;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;

/** Reads well-known resource attributes. */
public final class Resources {
  /** What the OpenTelemetry SDKs report when no service name is configured. */
  public static final String UNKNOWN_SERVICE = "unknown_service";

  private Resources() {}

  /** Returns the {@code service.name} attribute, or {@value #UNKNOWN_SERVICE} when it is absent. */
  public static String serviceName(Resource resource) {
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals("service.name") && kv.getValue().hasStringValue()) {
        return kv.getValue().getStringValue();
      }
    }
    return UNKNOWN_SERVICE;
  }
}
