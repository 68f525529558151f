package dev.skein.components.basicauth;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.skein.model.Nullable;
import dev.skein.pipeline.ComponentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Collector-contrib {@code basicauth} extension's settings, server side. */
final class BasicAuthConfig implements ComponentConfig {
  @JsonSetter(nulls = Nulls.AS_EMPTY)
  @Nullable HtpasswdConfig htpasswd;
  /** The Collector's client side, for exporters; bound only to be refused with a clear message. */
  @Nullable Map<String, Object> clientAuth;

  static final class HtpasswdConfig {
    /** An htpasswd file, read again when it changes. */
    String file = "";
    /** htpasswd lines in the configuration itself; they take precedence over the file's. */
    String inline = "";
  }

  @Override
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    if (clientAuth != null) {
      errors.add("client_auth: not supported (expected: htpasswd; Skein's exporters send credentials"
          + " with their headers setting)");
    }
    if (htpasswd == null || (htpasswd.file.isEmpty() && htpasswd.inline.isBlank())) {
      errors.add("htpasswd: no file or inline users (expected: htpasswd::file, htpasswd::inline or both)");
    } else if (!htpasswd.inline.isBlank()) {
      try {
        Htpasswd.parse("htpasswd::inline", htpasswd.inline);
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    return errors;
  }
}
