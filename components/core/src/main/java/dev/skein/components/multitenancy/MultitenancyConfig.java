package dev.skein.components.multitenancy;

import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;

/** Settings of the {@code multitenancy} extension. */
final class MultitenancyConfig implements ComponentConfig {
  /** The header (gRPC metadata key) that names the tenant, as in Tempo. */
  String header = dev.skein.model.Tenants.HEADER;

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (header.isEmpty() || !header.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
      errors.add("header: \"" + header + "\" (expected: an HTTP header name such as X-Scope-OrgID)");
    }
    return errors;
  }
}
