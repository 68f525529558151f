package dev.skein.components.attributesprocessor;

import dev.skein.components.attraction.AnyValues;
import dev.skein.components.attraction.GoRegex;
import dev.skein.components.attributesprocessor.AttributesProcessorConfig.AttributeMatch;
import dev.skein.components.attributesprocessor.AttributesProcessorConfig.LibraryMatch;
import dev.skein.components.attributesprocessor.AttributesProcessorConfig.MatchProperties;
import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.PatternSyntaxException;

/**
 * Decides whether a span matches an {@code include} or {@code exclude} block, as the Collector's
 * {@code filterspan} package does: every property that is set must match; services, span names and
 * span kinds match when any listed item does; attributes, resources and libraries match only when
 * every listed item does. Immutable.
 */
final class SpanMatcher {
  static final List<String> SPAN_KINDS = List.of("SPAN_KIND_CLIENT", "SPAN_KIND_CONSUMER",
      "SPAN_KIND_INTERNAL", "SPAN_KIND_PRODUCER", "SPAN_KIND_SERVER");
  /** What the Collector compares {@code services} with when a resource has no service name. */
  private static final String NO_SERVICE = "<nil-service-name>";

  private record ValueMatch(String key, @Nullable AnyValue exact, @Nullable GoRegex regex) {}

  private record ScopeMatch(Predicate<String> name, @Nullable Predicate<String> version) {}

  private final @Nullable Predicate<String> services;
  private final @Nullable Predicate<String> names;
  private final @Nullable Predicate<String> kinds;
  private final List<ValueMatch> attributes;
  private final List<ValueMatch> resources;
  private final List<ScopeMatch> libraries;

  private SpanMatcher(@Nullable Predicate<String> services, @Nullable Predicate<String> names,
      @Nullable Predicate<String> kinds, List<ValueMatch> attributes, List<ValueMatch> resources,
      List<ScopeMatch> libraries) {
    this.services = services;
    this.names = names;
    this.kinds = kinds;
    this.attributes = attributes;
    this.resources = resources;
    this.libraries = libraries;
  }

  /** Compiles {@code p}, adding each problem to {@code errors} under {@code path}; null if there are any. */
  static @Nullable SpanMatcher compile(MatchProperties p, String path, List<String> errors) {
    int before = errors.size();
    boolean regexp = p.matchType.equals("regexp");
    if (!regexp && !p.matchType.equals("strict")) {
      errors.add(path + "::match_type: " + (p.matchType.isEmpty() ? "missing" : "\"" + p.matchType + "\"")
          + " (expected: strict or regexp)");
      return null;
    }
    if (p.services.isEmpty() && p.spanNames.isEmpty() && p.spanKinds.isEmpty() && p.attributes.isEmpty()
        && p.resources.isEmpty() && p.libraries.isEmpty()) {
      errors.add(path + ": nothing to match (expected: at least one of services, span_names, span_kinds,"
          + " attributes, resources or libraries)");
    }
    if (!regexp) {
      for (int i = 0; i < p.spanKinds.size(); i++) {
        if (!SPAN_KINDS.contains(p.spanKinds.get(i))) {
          errors.add(path + "::span_kinds[" + i + "]: \"" + p.spanKinds.get(i) + "\" (expected: one of "
              + String.join(", ", SPAN_KINDS) + ")");
        }
      }
    }
    Predicate<String> services = strings(p.services, regexp, path + "::services", errors);
    Predicate<String> names = strings(p.spanNames, regexp, path + "::span_names", errors);
    Predicate<String> kinds = strings(p.spanKinds, regexp, path + "::span_kinds", errors);
    List<ValueMatch> attributes = values(p.attributes, regexp, path + "::attributes", errors);
    List<ValueMatch> resources = values(p.resources, regexp, path + "::resources", errors);
    List<ScopeMatch> libraries = new ArrayList<>();
    for (int i = 0; i < p.libraries.size(); i++) {
      LibraryMatch l = p.libraries.get(i);
      String at = path + "::libraries[" + i + "]";
      Predicate<String> name = one(l.name, regexp, at + "::name", errors);
      Predicate<String> version = l.version == null ? null : one(l.version, regexp, at + "::version", errors);
      libraries.add(new ScopeMatch(name, version));
    }
    if (errors.size() > before) {
      return null;
    }
    return new SpanMatcher(services, names, kinds, attributes, resources, libraries);
  }

  private static @Nullable Predicate<String> strings(List<String> items, boolean regexp, String path,
      List<String> errors) {
    if (items.isEmpty()) {
      return null;
    }
    List<Predicate<String>> all = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      all.add(one(items.get(i), regexp, path + "[" + i + "]", errors));
    }
    return s -> all.stream().anyMatch(m -> m.test(s));
  }

  private static Predicate<String> one(String item, boolean regexp, String path, List<String> errors) {
    if (!regexp) {
      return item::equals;
    }
    GoRegex r = regex(item, path, errors);
    return r == null ? s -> false : r::find;
  }

  private static @Nullable GoRegex regex(String item, String path, List<String> errors) {
    try {
      return GoRegex.compile(item);
    } catch (PatternSyntaxException e) {
      errors.add(path + ": \"" + item + "\" (expected: a valid regular expression; " + e.getDescription()
          + " near index " + e.getIndex() + ")");
      return null;
    }
  }

  private static List<ValueMatch> values(List<AttributeMatch> items, boolean regexp, String path,
      List<String> errors) {
    List<ValueMatch> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      AttributeMatch a = items.get(i);
      String at = path + "[" + i + "]";
      if (a.key.isEmpty()) {
        errors.add(at + "::key: missing (expected: the attribute to match)");
      }
      if (a.value == null) {
        out.add(new ValueMatch(a.key, null, null));
      } else if (regexp) {
        if (!(a.value instanceof String)) {
          errors.add(at + "::value: " + a.value + " (expected: a string regular expression when match_type is regexp)");
        } else {
          out.add(new ValueMatch(a.key, null, regex((String) a.value, at + "::value", errors)));
        }
      } else {
        try {
          out.add(new ValueMatch(a.key, AnyValues.fromConfig(a.value), null));
        } catch (IllegalArgumentException e) {
          errors.add(at + "::value: " + e.getMessage());
        }
      }
    }
    return out;
  }

  boolean matches(Resource resource, InstrumentationScope scope, Span span) {
    if (services != null && !services.test(serviceName(resource))) {
      return false;
    }
    if (names != null && !names.test(span.getName())) {
      return false;
    }
    if (kinds != null && !kinds.test(kindName(span))) {
      return false;
    }
    for (ScopeMatch l : libraries) {
      if (!l.name().test(scope.getName()) || (l.version() != null && !l.version().test(scope.getVersion()))) {
        return false;
      }
    }
    return allMatch(resources, resource.getAttributesList()) && allMatch(attributes, span.getAttributesList());
  }

  private static String serviceName(Resource resource) {
    AnyValue v = get(resource.getAttributesList(), "service.name");
    return v == null ? NO_SERVICE : AnyValues.asString(v);
  }

  /** The span kind as the Collector spells it, e.g. SPAN_KIND_SERVER. */
  static String kindName(Span span) {
    Span.SpanKind k = span.getKind();
    return k == Span.SpanKind.UNRECOGNIZED ? "SPAN_KIND_UNSPECIFIED" : k.name();
  }

  private static boolean allMatch(List<ValueMatch> matches, List<KeyValue> attrs) {
    for (ValueMatch m : matches) {
      AnyValue v = get(attrs, m.key());
      if (v == null) {
        return false;
      }
      if (m.regex() != null) {
        String s = comparableString(v);
        if (s == null || !m.regex().find(s)) {
          return false;
        }
      } else if (m.exact() != null && !m.exact().equals(v)) {
        return false;
      }
    }
    return true;
  }

  private static @Nullable String comparableString(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE: return v.getStringValue();
      case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
      case INT_VALUE: return Long.toString(v.getIntValue());
      case DOUBLE_VALUE: return AnyValues.formatDoublePlain(v.getDoubleValue());
      default: return null;
    }
  }

  private static @Nullable AnyValue get(List<KeyValue> attrs, String key) {
    for (KeyValue kv : attrs) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }
}
