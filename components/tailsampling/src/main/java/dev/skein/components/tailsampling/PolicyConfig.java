package dev.skein.components.tailsampling;

import dev.skein.model.Nullable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One entry of {@code policies} (or of a sub-policy list): a name, a type, and the settings of
 * that type. As in the Collector, the settings of other types are accepted and ignored.
 */
final class PolicyConfig {
  static final Set<String> STATUS_CODES = Set.of("ERROR", "OK", "UNSET");

  String name = "";
  String type = "";
  LatencyConfig latency = new LatencyConfig();
  NumericAttributeConfig numericAttribute = new NumericAttributeConfig();
  ProbabilisticConfig probabilistic = new ProbabilisticConfig();
  StatusCodeConfig statusCode = new StatusCodeConfig();
  StringAttributeConfig stringAttribute = new StringAttributeConfig();
  RateLimitingConfig rateLimiting = new RateLimitingConfig();
  SpanCountConfig spanCount = new SpanCountConfig();
  BooleanAttributeConfig booleanAttribute = new BooleanAttributeConfig();
  TraceStateConfig traceState = new TraceStateConfig();
  AndConfig and = new AndConfig();
  DropConfig drop = new DropConfig();
  CompositeConfig composite = new CompositeConfig();

  static final class LatencyConfig {
    /** The lower bound in milliseconds; with no upper bound, traces at least this long are sampled. */
    long thresholdMs = 0;
    /** The upper bound in milliseconds, inclusive; 0 means none (then the lower bound is inclusive too). */
    long upperThresholdMs = 0;
  }

  static final class NumericAttributeConfig {
    String key = "";
    @Nullable Long minValue;
    @Nullable Long maxValue;
    boolean invertMatch = false;
  }

  static final class ProbabilisticConfig {
    String hashSalt = "";
    double samplingPercentage = 0;
  }

  static final class StatusCodeConfig {
    List<String> statusCodes = new ArrayList<>();
  }

  static final class StringAttributeConfig {
    String key = "";
    List<String> values = new ArrayList<>();
    boolean enabledRegexMatching = false;
    /** Entries in the LRU cache of regular-expression results; 0 means the default, 128. */
    int cacheMaxSize = 0;
    boolean invertMatch = false;
  }

  static final class RateLimitingConfig {
    long spansPerSecond = 0;
  }

  static final class SpanCountConfig {
    int minSpans = 0;
    /** 0 means no upper bound. */
    int maxSpans = 0;
  }

  static final class BooleanAttributeConfig {
    String key = "";
    boolean value = false;
    boolean invertMatch = false;
  }

  static final class TraceStateConfig {
    String key = "";
    List<String> values = new ArrayList<>();
  }

  static final class AndConfig {
    List<PolicyConfig> andSubPolicy = new ArrayList<>();
  }

  static final class DropConfig {
    List<PolicyConfig> dropSubPolicy = new ArrayList<>();
  }

  static final class CompositeConfig {
    long maxTotalSpansPerSecond = 0;
    List<String> policyOrder = new ArrayList<>();
    List<PolicyConfig> compositeSubPolicy = new ArrayList<>();
    List<RateAllocationConfig> rateAllocation = new ArrayList<>();
  }

  static final class RateAllocationConfig {
    String policy = "";
    long percent = 0;
  }

  /** Adds an error unless {@code p} has a name not used by an earlier entry of the same list. */
  static void requireUniqueName(PolicyConfig p, String path, String listPath, Map<String, Integer> seen,
      int index, List<String> errors) {
    if (p.name.isBlank()) {
      errors.add(path + "::name: missing (expected: a name unique within " + listPath + ")");
      return;
    }
    Integer first = seen.putIfAbsent(p.name, index);
    if (first != null) {
      errors.add(path + "::name: \"" + p.name + "\" (expected: a name unique within " + listPath + "; "
          + listPath + "[" + first + "] has it too)");
    }
  }

  /** Adds every problem of this policy to {@code errors}, each prefixed with {@code path}. */
  void validate(String path, PolicyType.Level level, List<String> errors) {
    Optional<PolicyType> parsed = PolicyType.of(type);
    if (parsed.isEmpty() || !level.allows(parsed.get())) {
      errors.add(path + "::type: " + describeType(level));
      return;
    }
    switch (parsed.get()) {
      case ALWAYS_SAMPLE:
        break;
      case LATENCY:
        validateLatency(path + "::latency", errors);
        break;
      case NUMERIC_ATTRIBUTE:
        validateNumeric(path + "::numeric_attribute", errors);
        break;
      case PROBABILISTIC:
        double pct = probabilistic.samplingPercentage;
        if (!(pct >= 0 && pct <= 100)) {
          errors.add(path + "::probabilistic::sampling_percentage: " + pct + " (expected: 0 to 100)");
        }
        break;
      case STATUS_CODE:
        validateStatusCodes(path + "::status_code::status_codes", errors);
        break;
      case STRING_ATTRIBUTE:
        validateString(path + "::string_attribute", errors);
        break;
      case RATE_LIMITING:
        if (rateLimiting.spansPerSecond <= 0) {
          errors.add(path + "::rate_limiting::spans_per_second: " + rateLimiting.spansPerSecond + " (expected: > 0)");
        }
        break;
      case SPAN_COUNT:
        validateSpanCount(path + "::span_count", errors);
        break;
      case BOOLEAN_ATTRIBUTE:
        requireKey(booleanAttribute.key, path + "::boolean_attribute::key", errors);
        break;
      case TRACE_STATE:
        requireKey(traceState.key, path + "::trace_state::key", errors);
        if (traceState.values.isEmpty()) {
          errors.add(path + "::trace_state::values: empty (expected: at least one value)");
        }
        break;
      case AND:
        validateSubPolicies(path + "::and::and_sub_policy", and.andSubPolicy, PolicyType.Level.AND_SUB, false, errors);
        break;
      case DROP:
        validateSubPolicies(path + "::drop::drop_sub_policy", drop.dropSubPolicy, PolicyType.Level.AND_SUB, false,
            errors);
        break;
      case COMPOSITE:
        validateComposite(path + "::composite", errors);
        break;
      default:
        throw new AssertionError(type);
    }
  }

  private String describeType(PolicyType.Level level) {
    List<String> allowed = level.allowedNames();
    String expected = "one of " + String.join(", ", allowed);
    if (type.isBlank()) {
      return "missing (expected: " + expected + ")";
    }
    String value = "\"" + type + "\"";
    Optional<PolicyType> known = PolicyType.of(type);
    if (known.isPresent()) {
      String where = level == PolicyType.Level.COMPOSITE_SUB ? "a composite sub-policy" : "an and or drop sub-policy";
      return value + " (expected: " + expected + "; " + type + " cannot be " + where + ")";
    }
    if (PolicyType.NOT_IMPLEMENTED.contains(type)) {
      return value + " (expected: " + expected + "; the Collector's " + type + " policy is not implemented in Skein)";
    }
    return value + " (expected: " + expected
        + dev.skein.pipeline.config.Suggest.closest(type, allowed).map(s -> "; did you mean \"" + s + "\"?").orElse("") + ")";
  }

  private void validateLatency(String path, List<String> errors) {
    if (latency.thresholdMs < 0) {
      errors.add(path + "::threshold_ms: " + latency.thresholdMs + " (expected: >= 0)");
    }
    if (latency.upperThresholdMs < 0) {
      errors.add(path + "::upper_threshold_ms: " + latency.upperThresholdMs + " (expected: >= 0, where 0 means none)");
    } else if (latency.upperThresholdMs > 0 && latency.upperThresholdMs <= latency.thresholdMs) {
      errors.add(path + "::upper_threshold_ms: " + latency.upperThresholdMs
          + " (expected: 0 for no upper bound, or > threshold_ms, " + latency.thresholdMs + ")");
    }
  }

  private void validateNumeric(String path, List<String> errors) {
    requireKey(numericAttribute.key, path + "::key", errors);
    Long min = numericAttribute.minValue;
    Long max = numericAttribute.maxValue;
    if (min == null && max == null) {
      errors.add(path + ": neither min_value nor max_value is set (expected: at least one of them)");
    } else if (min != null && max != null && min > max) {
      errors.add(path + "::max_value: " + max + " (expected: >= min_value, " + min + ")");
    }
  }

  private void validateStatusCodes(String path, List<String> errors) {
    List<String> codes = statusCode.statusCodes;
    if (codes.isEmpty()) {
      errors.add(path + ": empty (expected: at least one of ERROR, OK, UNSET)");
    }
    for (int i = 0; i < codes.size(); i++) {
      if (!STATUS_CODES.contains(codes.get(i))) {
        errors.add(path + "[" + i + "]: \"" + codes.get(i) + "\" (expected: one of ERROR, OK, UNSET)");
      }
    }
  }

  private void validateString(String path, List<String> errors) {
    requireKey(stringAttribute.key, path + "::key", errors);
    if (stringAttribute.values.isEmpty()) {
      errors.add(path + "::values: empty (expected: at least one value"
          + (stringAttribute.enabledRegexMatching ? " or regular expression)" : ")"));
    }
    if (stringAttribute.cacheMaxSize < 0) {
      errors.add(path + "::cache_max_size: " + stringAttribute.cacheMaxSize + " (expected: >= 0, where 0 means 128)");
    }
    if (stringAttribute.enabledRegexMatching) {
      for (int i = 0; i < stringAttribute.values.size(); i++) {
        String v = stringAttribute.values.get(i);
        try {
          Pattern.compile(v);
        } catch (PatternSyntaxException e) {
          errors.add(path + "::values[" + i + "]: \"" + v + "\" (expected: a regular expression; "
              + e.getDescription() + " near index " + e.getIndex() + ")");
        }
      }
    }
  }

  private void validateSpanCount(String path, List<String> errors) {
    if (spanCount.minSpans < 0) {
      errors.add(path + "::min_spans: " + spanCount.minSpans + " (expected: >= 0)");
    }
    if (spanCount.maxSpans < 0) {
      errors.add(path + "::max_spans: " + spanCount.maxSpans + " (expected: >= 0, where 0 means no upper bound)");
    } else if (spanCount.maxSpans > 0 && spanCount.maxSpans < spanCount.minSpans) {
      errors.add(path + "::max_spans: " + spanCount.maxSpans + " (expected: 0 for no upper bound, or >= min_spans, "
          + spanCount.minSpans + ")");
    }
  }

  private void validateComposite(String path, List<String> errors) {
    CompositeConfig c = composite;
    if (c.maxTotalSpansPerSecond <= 0) {
      errors.add(path + "::max_total_spans_per_second: " + c.maxTotalSpansPerSecond + " (expected: > 0)");
    }
    validateSubPolicies(path + "::composite_sub_policy", c.compositeSubPolicy, PolicyType.Level.COMPOSITE_SUB, true,
        errors);
    Set<String> names = new HashSet<>();
    for (PolicyConfig p : c.compositeSubPolicy) {
      if (p != null) {
        names.add(p.name);
      }
    }
    Set<String> ordered = new HashSet<>();
    for (int i = 0; i < c.policyOrder.size(); i++) {
      String n = c.policyOrder.get(i);
      String at = path + "::policy_order[" + i + "]";
      if (!names.contains(n)) {
        errors.add(at + ": \"" + n + "\" (expected: the name of a composite_sub_policy)");
      } else if (!ordered.add(n)) {
        errors.add(at + ": \"" + n + "\" is listed twice");
      }
    }
    long total = 0;
    Set<String> allocated = new HashSet<>();
    for (int i = 0; i < c.rateAllocation.size(); i++) {
      RateAllocationConfig r = c.rateAllocation.get(i);
      String at = path + "::rate_allocation[" + i + "]";
      if (r == null) {
        errors.add(at + ": empty (expected: policy and percent)");
        continue;
      }
      if (!names.contains(r.policy)) {
        errors.add(at + "::policy: \"" + r.policy + "\" (expected: the name of a composite_sub_policy)");
      } else if (!allocated.add(r.policy)) {
        errors.add(at + "::policy: \"" + r.policy + "\" is allocated twice");
      }
      if (r.percent < 0 || r.percent > 100) {
        errors.add(at + "::percent: " + r.percent + " (expected: 0 to 100, where 0 means an equal share)");
      } else {
        total += r.percent;
      }
    }
    if (total > 100) {
      errors.add(path + "::rate_allocation: percents add up to " + total + " (expected: at most 100)");
    }
  }

  private static void validateSubPolicies(String path, List<PolicyConfig> subs, PolicyType.Level level,
      boolean namesRequired, List<String> errors) {
    if (subs.isEmpty()) {
      errors.add(path + ": empty (expected: at least one policy)");
    }
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < subs.size(); i++) {
      String at = path + "[" + i + "]";
      PolicyConfig p = subs.get(i);
      if (p == null) {
        errors.add(at + ": empty (expected: a policy with a type)");
        continue;
      }
      if (namesRequired) {
        requireUniqueName(p, at, path.substring(path.lastIndexOf("::") + 2), names, i, errors);
      }
      p.validate(at, level, errors);
    }
  }

  private static void requireKey(String key, String path, List<String> errors) {
    if (key.isEmpty()) {
      errors.add(path + ": missing (expected: an attribute key)");
    }
  }
}
