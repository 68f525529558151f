package dev.skein.components.tailsampling;

import dev.skein.model.Nullable;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Samples a trace when a resource or span has the string attribute {@code key} with one of the
 * values. With {@code enabled_regex_matching} the values are regular expressions that may match
 * anywhere in the attribute value (as Go's {@code MatchString} does; anchor them with {@code ^...$}
 * for whole values), and results are kept in an LRU cache of {@code cache_max_size} entries.
 */
final class StringAttributePolicy implements Policy {
  static final int DEFAULT_CACHE_SIZE = 128;

  private final String key;
  private final Predicate<String> matcher;
  private final boolean invert;

  StringAttributePolicy(String key, List<String> values, boolean regex, int cacheMaxSize, boolean invert) {
    this.key = key;
    this.invert = invert;
    if (regex) {
      List<Pattern> patterns = new ArrayList<>();
      for (String v : values) {
        patterns.add(Pattern.compile(v));
      }
      this.matcher = new CachedRegex(patterns, cacheMaxSize > 0 ? cacheMaxSize : DEFAULT_CACHE_SIZE);
    } else {
      Set<String> set = new HashSet<>();
      for (String v : values) {
        if (!v.isEmpty()) {
          set.add(v);
        }
      }
      this.matcher = set::contains;
    }
  }

  @Override
  public Decision evaluate(TraceData trace) {
    Predicate<String> onResource = v -> matcher.test(v);
    // As in the Collector, an empty span attribute never matches, even a regular expression.
    Predicate<String> onSpan = v -> !v.isEmpty() && matcher.test(v);
    return invert
        ? Conditions.noResourceOrSpan(trace, r -> test(string(r.getAttributesList()), onResource),
            s -> test(string(s.getAttributesList()), onSpan))
        : Conditions.anyResourceOrSpan(trace, r -> test(string(r.getAttributesList()), onResource),
            s -> test(string(s.getAttributesList()), onSpan));
  }

  private @Nullable String string(List<io.opentelemetry.proto.common.v1.KeyValue> attributes) {
    AnyValue v = Conditions.attribute(attributes, key);
    return v != null && v.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? v.getStringValue() : null;
  }

  private static boolean test(@Nullable String value, Predicate<String> p) {
    return value != null && p.test(value);
  }

  /** Matches against any of the patterns, remembering recent answers. */
  private static final class CachedRegex implements Predicate<String> {
    private final List<Pattern> patterns;
    private final Map<String, Boolean> cache;

    CachedRegex(List<Pattern> patterns, int size) {
      this.patterns = patterns;
      this.cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > size;
        }
      };
    }

    @Override
    public boolean test(String value) {
      Boolean cached = cache.get(value);
      if (cached != null) {
        return cached;
      }
      boolean matched = false;
      for (Pattern p : patterns) {
        if (p.matcher(value).find()) {
          matched = true;
          break;
        }
      }
      cache.put(value, matched);
      return matched;
    }
  }
}
