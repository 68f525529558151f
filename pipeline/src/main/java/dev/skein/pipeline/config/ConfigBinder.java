package dev.skein.pipeline.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.MutableConfigOverride;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Lays a YAML subtree over a configuration object that holds the defaults. Keys are snake_case
 * field names; nested objects merge with their defaults, lists and maps are replaced; unknown keys
 * are errors with a "did you mean" hint; durations use Go's syntax.
 */
public final class ConfigBinder {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .visibility(PropertyAccessor.ALL, Visibility.NONE)
      .visibility(PropertyAccessor.FIELD, Visibility.ANY)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(MapperFeature.ALLOW_FINAL_FIELDS_AS_MUTATORS)
      .defaultMergeable(true)
      .defaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.SKIP))
      // An empty value ("timeout:") is refused for a setting that holds a value, as for an int,
      // rather than replacing the default with null. Only settings that do not merge see nulls.
      .withConfigOverride(String.class, ConfigBinder::valueSetting)
      .withConfigOverride(Duration.class, ConfigBinder::valueSetting)
      .withConfigOverride(List.class, ConfigBinder::valueSetting)
      .withConfigOverride(Map.class, ConfigBinder::valueSetting)
      .addModule(new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()))
      .build();

  private ConfigBinder() {}

  private static void valueSetting(MutableConfigOverride o) {
    o.setMergeable(false).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.FAIL));
  }

  /**
   * Lays {@code node} over {@code defaults} (which is changed and returned). A null or missing
   * node keeps every default.
   *
   * @param path the YAML path of {@code node}, e.g. {@code receivers::otlp}, used in messages
   * @throws ConfigException naming the full YAML path of the offending key and its value
   */
  public static <T> T bind(JsonNode node, T defaults, String path) throws ConfigException {
    if (node == null || node instanceof NullNode || node.isMissingNode()) {
      return defaults;
    }
    if (!node.isObject()) {
      throw new ConfigException(List.of(path + ": " + describe(node) + " (expected: a map of settings)"));
    }
    try {
      return MAPPER.readerForUpdating(defaults).readValue(node);
    } catch (UnrecognizedPropertyException e) {
      List<String> known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.toList());
      throw new ConfigException(List.of(join(path, e) + ": unknown key"
          + Suggest.hint(e.getPropertyName(), known)
          + (known.isEmpty() ? "" : "; valid keys: " + String.join(", ", known))));
    } catch (InvalidFormatException e) {
      throw new ConfigException(List.of(join(path, e) + ": " + quote(e.getValue())
          + " (expected: " + expected(e.getTargetType(), e) + ")"));
    } catch (MismatchedInputException e) {
      String what = e.getOriginalMessage().contains("`null`") ? "empty value" : e.getOriginalMessage().split("\n")[0];
      throw new ConfigException(List.of(join(path, e) + ": " + what
          + " (expected: " + expected(e.getTargetType(), e) + ")"));
    } catch (JsonMappingException e) {
      String msg = e.getCause() instanceof IllegalArgumentException ? e.getCause().getMessage()
          : e.getOriginalMessage();
      throw new ConfigException(List.of(join(path, e) + ": " + msg));
    } catch (IOException e) {
      throw new ConfigException(List.of(path + ": " + e.getMessage()));
    }
  }

  private static String join(String base, JsonMappingException e) {
    StringBuilder b = new StringBuilder(base);
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        b.append("::").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append("[").append(r.getIndex()).append("]");
      }
    }
    return b.toString();
  }

  private static String expected(Class<?> type, JsonMappingException e) {
    if (type == null) {
      return "another type";
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == double.class || type == Double.class) {
      return "a number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Duration.class) {
      return "a duration such as 200ms, 5s or 168h";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type.isEnum()) {
      List<String> names = new ArrayList<>();
      for (Object c : type.getEnumConstants()) {
        names.add(c.toString());
      }
      return "one of " + String.join(", ", names);
    }
    return "a map of settings";
  }

  private static String quote(Object value) {
    return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
  }

  private static String describe(JsonNode node) {
    return node.isTextual() ? "\"" + node.textValue() + "\"" : node.toString();
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken().isNumeric()) {
        return Duration.ofNanos(p.getLongValue());
      }
      String text = p.getValueAsString();
      try {
        return GoDuration.parse(text);
      } catch (IllegalArgumentException e) {
        throw InvalidFormatException.from(p, "not a duration", text, Duration.class);
      }
    }
  }
}
