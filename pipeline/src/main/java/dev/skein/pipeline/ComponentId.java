package dev.skein.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * A component's identity in the configuration: {@code type} or {@code type/name}, as in the
 * OpenTelemetry Collector ({@code batch}, {@code otlp/backup}).
 */
public record ComponentId(String type, String name) {
  private static final Pattern TYPE = Pattern.compile("[a-zA-Z][a-zA-Z0-9_]{0,62}");

  public ComponentId {
    requireNonNull(type, "type");
    requireNonNull(name, "name");
  }

  /**
   * Parses {@code type[/name]}.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static ComponentId parse(String id) {
    requireNonNull(id, "id");
    int slash = id.indexOf('/');
    String type = slash < 0 ? id : id.substring(0, slash);
    String name = slash < 0 ? "" : id.substring(slash + 1);
    if (!TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("\"" + id + "\" (expected: type[/name], where the type starts"
          + " with a letter and holds letters, digits and underscores)");
    }
    if (slash >= 0 && (name.isEmpty() || name.isBlank())) {
      throw new IllegalArgumentException("\"" + id + "\" (expected: a name after the \"/\")");
    }
    return new ComponentId(type, name);
  }

  public static ComponentId of(String type) {
    return new ComponentId(type, "");
  }

  @Override
  public String toString() {
    return name.isEmpty() ? type : type + "/" + name;
  }
}
