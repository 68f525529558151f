package dev.skein.components.attraction;

import static java.util.Objects.requireNonNull;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;

/**
 * A compiled list of attribute actions with the semantics of the Collector's {@code attraction}
 * package, shared by the {@code attributes} and {@code resource} processors. Actions run in order;
 * each sees the result of the ones before it. Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@code insert} sets the key only where it is absent, {@code update} only where it is
 *       present, {@code upsert} in both cases. The value comes from {@code value} or
 *       {@code from_attribute}; when the source yields nothing, {@code default_value} is used if
 *       set, otherwise nothing happens.</li>
 *   <li>{@code delete} removes the key and every key the {@code pattern} finds a match in.</li>
 *   <li>{@code hash} replaces the value of the key and of every key the {@code pattern} matches by
 *       the lower-case hexadecimal SHA-256 of its bytes (strings as UTF-8, integers and doubles as
 *       8 little-endian bytes, booleans as one byte); other types become "". The Collector has
 *       used SHA-256 since v0.85.0, when its SHA-1 hashing was retired.</li>
 *   <li>{@code extract} matches {@code pattern} against the key's string value and sets one string
 *       attribute per named group; the source attribute stays.</li>
 *   <li>{@code convert} changes the key's type to {@code int}, {@code double} or {@code string};
 *       a value that cannot be converted is left as it is.</li>
 * </ul>
 */
public final class AttributeActions {
  /** The valid actions, as error messages list them. */
  static final String EXPECTED_ACTIONS = "insert, update, upsert, delete, hash, extract or convert";

  private enum Kind { INSERT, UPDATE, UPSERT, DELETE, HASH, EXTRACT, CONVERT }

  private record Action(Kind kind, String key, @Nullable AnyValue value, String fromAttribute,
      @Nullable AnyValue defaultValue, @Nullable GoRegex regex, String convertedType) {}

  private final List<Action> actions;

  private AttributeActions(List<Action> actions) {
    this.actions = List.copyOf(actions);
  }

  /**
   * Returns every problem with {@code configs}, each prefixed with {@code listKey} and the entry's
   * index, e.g. {@code actions[2]::action: "upsertt" (expected: insert, ...)}.
   */
  public static List<String> validate(List<ActionConfig> configs, String listKey) {
    requireNonNull(configs, "configs");
    requireNonNull(listKey, "listKey");
    List<String> errors = new ArrayList<>();
    compile(configs, listKey, errors);
    return errors;
  }

  /**
   * Compiles {@code configs}.
   *
   * @throws IllegalArgumentException with the first problem {@link #validate} would report
   */
  public static AttributeActions compile(List<ActionConfig> configs) {
    requireNonNull(configs, "configs");
    List<String> errors = new ArrayList<>();
    AttributeActions a = compile(configs, "actions", errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0));
    }
    return a;
  }

  private static AttributeActions compile(List<ActionConfig> configs, String listKey, List<String> errors) {
    List<Action> out = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      String at = listKey + "[" + i + "]";
      ActionConfig c = configs.get(i);
      if (c == null) {
        errors.add(at + ": empty (expected: key and action)");
        continue;
      }
      int before = errors.size();
      Action a = compileOne(c, at, errors);
      if (a != null && errors.size() == before) {
        out.add(a);
      }
    }
    return new AttributeActions(out);
  }

  private static @Nullable Action compileOne(ActionConfig c, String at, List<String> errors) {
    Kind kind;
    try {
      kind = Kind.valueOf(c.action.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      errors.add(at + "::action: " + (c.action.isEmpty() ? "missing" : "\"" + c.action + "\"")
          + " (expected: " + EXPECTED_ACTIONS + ")");
      return null;
    }
    String name = kind.name().toLowerCase(Locale.ROOT);
    if (!c.fromContext.isEmpty()) {
      errors.add(at + "::from_context: \"" + c.fromContext + "\" is not supported"
          + " (Skein's pipelines carry no client metadata; use value or from_attribute)");
    }
    List<String> sources = new ArrayList<>();
    if (c.value != null) {
      sources.add("value");
    }
    if (!c.fromAttribute.isEmpty()) {
      sources.add("from_attribute");
    }
    if (!c.fromContext.isEmpty()) {
      sources.add("from_context");
    }
    AnyValue value = convertValue(c.value, at + "::value", errors);
    AnyValue defaultValue = convertValue(c.defaultValue, at + "::default_value", errors);
    GoRegex regex = null;
    switch (kind) {
      case INSERT:
      case UPDATE:
      case UPSERT:
        requireKey(c, at, name, errors);
        if (sources.isEmpty() && c.defaultValue == null) {
          errors.add(at + ": no value (expected: one of value, from_attribute or default_value for action \""
              + name + "\")");
        } else if (sources.size() > 1) {
          errors.add(at + ": " + String.join(" and ", sources) + " are all set (expected: only one value source)");
        }
        unused(c.pattern, at, "pattern", name, errors);
        unused(c.convertedType, at, "converted_type", name, errors);
        break;
      case DELETE:
      case HASH:
        if (c.key.isEmpty() && c.pattern.isEmpty()) {
          errors.add(at + ": neither key nor pattern is set (expected: at least one for action \"" + name + "\")");
        }
        noSources(c, sources, at, name, errors);
        unused(c.convertedType, at, "converted_type", name, errors);
        if (!c.pattern.isEmpty()) {
          regex = compilePattern(c.pattern, at, errors);
        }
        break;
      case EXTRACT:
        requireKey(c, at, name, errors);
        noSources(c, sources, at, name, errors);
        unused(c.convertedType, at, "converted_type", name, errors);
        if (c.pattern.isEmpty()) {
          errors.add(at + "::pattern: missing (expected: a regular expression with named groups, e.g."
              + " ^(?P<scheme>[a-z]+)://, for action \"extract\")");
        } else {
          regex = compilePattern(c.pattern, at, errors);
          if (regex != null) {
            if (regex.groupNames().isEmpty()) {
              errors.add(at + "::pattern: \"" + c.pattern + "\" has no named group (expected: at least one,"
                  + " e.g. (?P<name>...))");
            } else if (regex.groupNames().contains(null)) {
              errors.add(at + "::pattern: \"" + c.pattern + "\" has an unnamed group (expected: every group"
                  + " named, e.g. (?P<name>...), or non-capturing (?:...))");
            }
          }
        }
        break;
      default:
        requireKey(c, at, name, errors);
        noSources(c, sources, at, name, errors);
        unused(c.pattern, at, "pattern", name, errors);
        if (c.convertedType.isEmpty()) {
          errors.add(at + "::converted_type: missing (expected: int, double or string for action \"convert\")");
        } else if (!List.of("int", "double", "string").contains(c.convertedType)) {
          errors.add(at + "::converted_type: \"" + c.convertedType + "\" (expected: int, double or string)");
        }
    }
    return new Action(kind, c.key, value, c.fromAttribute, defaultValue, regex, c.convertedType);
  }

  private static void requireKey(ActionConfig c, String at, String action, List<String> errors) {
    if (c.key.isEmpty()) {
      errors.add(at + "::key: missing (expected: the attribute to act on for action \"" + action + "\")");
    }
  }

  private static void noSources(ActionConfig c, List<String> sources, String at, String action,
      List<String> errors) {
    for (String s : sources) {
      errors.add(at + "::" + s + ": not used by action \"" + action + "\" (expected: no " + s + ")");
    }
    if (c.defaultValue != null) {
      errors.add(at + "::default_value: not used by action \"" + action + "\" (expected: no default_value)");
    }
  }

  private static void unused(String field, String at, String key, String action, List<String> errors) {
    if (!field.isEmpty()) {
      errors.add(at + "::" + key + ": not used by action \"" + action + "\" (expected: no " + key + ")");
    }
  }

  private static @Nullable AnyValue convertValue(@Nullable Object raw, String at, List<String> errors) {
    if (raw == null) {
      return null;
    }
    try {
      return AnyValues.fromConfig(raw);
    } catch (IllegalArgumentException e) {
      errors.add(at + ": " + e.getMessage());
      return null;
    }
  }

  private static @Nullable GoRegex compilePattern(String pattern, String at, List<String> errors) {
    try {
      return GoRegex.compile(pattern);
    } catch (PatternSyntaxException e) {
      errors.add(at + "::pattern: \"" + pattern + "\" (expected: a valid regular expression; "
          + e.getDescription() + " near index " + e.getIndex() + ")");
      return null;
    }
  }

  /** Whether there is nothing to do. */
  public boolean isEmpty() {
    return actions.isEmpty();
  }

  /**
   * Applies every action to {@code attributes} and returns the result; the same list instance when
   * nothing changed. The input is not modified.
   */
  public List<KeyValue> apply(List<KeyValue> attributes) {
    requireNonNull(attributes, "attributes");
    Attributes attrs = new Attributes(attributes);
    for (Action a : actions) {
      switch (a.kind()) {
        case INSERT: {
          AnyValue v = source(a, attrs);
          if (v != null && attrs.get(a.key()) == null) {
            attrs.put(a.key(), v);
          }
          break;
        }
        case UPDATE: {
          AnyValue v = source(a, attrs);
          if (v != null && attrs.get(a.key()) != null) {
            attrs.put(a.key(), v);
          }
          break;
        }
        case UPSERT: {
          AnyValue v = source(a, attrs);
          if (v != null) {
            attrs.put(a.key(), v);
          }
          break;
        }
        case DELETE:
          if (!a.key().isEmpty()) {
            attrs.remove(a.key());
          }
          if (a.regex() != null) {
            for (String k : attrs.keys()) {
              if (a.regex().find(k)) {
                attrs.remove(k);
              }
            }
          }
          break;
        case HASH:
          for (String k : attrs.keys()) {
            if (k.equals(a.key()) || (a.regex() != null && a.regex().find(k))) {
              attrs.put(k, AnyValues.of(sha256(attrs.get(k))));
            }
          }
          break;
        case EXTRACT:
          extract(a, attrs);
          break;
        default: {
          AnyValue v = attrs.get(a.key());
          if (v != null) {
            AnyValue converted = convert(v, a.convertedType());
            if (!converted.equals(v)) {
              attrs.put(a.key(), converted);
            }
          }
        }
      }
    }
    return attrs.changed() ? attrs.toList() : attributes;
  }

  private static @Nullable AnyValue source(Action a, Attributes attrs) {
    AnyValue v = a.value();
    if (v == null && !a.fromAttribute().isEmpty()) {
      v = attrs.get(a.fromAttribute());
    }
    return v != null ? v : a.defaultValue();
  }

  private static void extract(Action a, Attributes attrs) {
    AnyValue v = attrs.get(a.key());
    if (v == null || v.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
      return;
    }
    Matcher m = a.regex().pattern().matcher(v.getStringValue());
    if (!m.find()) {
      return;
    }
    List<String> names = a.regex().groupNames();
    for (int g = 1; g <= names.size(); g++) {
      String text = m.group(g);
      attrs.put(names.get(g - 1), AnyValues.of(text == null ? "" : text));
    }
  }

  static String sha256(@Nullable AnyValue v) {
    byte[] data;
    if (v == null) {
      return "";
    }
    switch (v.getValueCase()) {
      case STRING_VALUE:
        data = v.getStringValue().getBytes(StandardCharsets.UTF_8);
        break;
      case BOOL_VALUE:
        data = new byte[] {(byte) (v.getBoolValue() ? 1 : 0)};
        break;
      case INT_VALUE:
        data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v.getIntValue()).array();
        break;
      case DOUBLE_VALUE:
        data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(Double.doubleToRawLongBits(v.getDoubleValue())).array();
        break;
      default:
        return "";
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
      return dev.skein.model.Hex.encode(com.google.protobuf.ByteString.copyFrom(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  static AnyValue convert(AnyValue v, String to) {
    switch (to) {
      case "string":
        return v.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? v : AnyValues.of(AnyValues.asString(v));
      case "int":
        switch (v.getValueCase()) {
          case DOUBLE_VALUE:
            return AnyValue.newBuilder().setIntValue(truncate(v.getDoubleValue())).build();
          case BOOL_VALUE:
            return AnyValue.newBuilder().setIntValue(v.getBoolValue() ? 1 : 0).build();
          case STRING_VALUE:
            try {
              return AnyValue.newBuilder().setIntValue(Long.parseLong(v.getStringValue())).build();
            } catch (NumberFormatException e) {
              return v;
            }
          default:
            return v;
        }
      default:
        switch (v.getValueCase()) {
          case INT_VALUE:
            return AnyValue.newBuilder().setDoubleValue(v.getIntValue()).build();
          case BOOL_VALUE:
            return AnyValue.newBuilder().setDoubleValue(v.getBoolValue() ? 1 : 0).build();
          case STRING_VALUE: {
            Double d = parseGoFloat(v.getStringValue());
            return d == null ? v : AnyValue.newBuilder().setDoubleValue(d).build();
          }
          default:
            return v;
        }
    }
  }

  /** Go converts out-of-range doubles to the smallest int64; Java saturates, so keep Go's result. */
  private static long truncate(double d) {
    if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) {
      return Long.MIN_VALUE;
    }
    return (long) d;
  }

  private static final java.util.regex.Pattern GO_FLOAT = java.util.regex.Pattern.compile(
      "[+-]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|(?i:inf|infinity|nan))");

  /** Parses what Go's {@code strconv.ParseFloat} accepts in decimal form; null otherwise. */
  private static @Nullable Double parseGoFloat(String s) {
    if (!GO_FLOAT.matcher(s).matches()) {
      return null;
    }
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.endsWith("inf") || lower.endsWith("infinity")) {
      return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lower.endsWith("nan")) {
      return Double.NaN;
    }
    return Double.parseDouble(s);
  }
}
