package dev.skein.components.tailsampling;

import dev.skein.components.tailsampling.PolicyConfig.CompositeConfig;
import dev.skein.components.tailsampling.PolicyConfig.RateAllocationConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Builds policies from validated configuration. */
final class Policies {
  private Policies() {}

  /**
   * Builds the policy {@code config} describes.
   *
   * @param nanoClock the clock of rate-limiting policies, in nanoseconds
   * @throws IllegalArgumentException if the type is unknown (configuration is validated first)
   */
  static Policy create(PolicyConfig config, LongSupplier nanoClock) {
    PolicyType type = PolicyType.of(config.type).orElseThrow(
        () -> new IllegalArgumentException("type: \"" + config.type + "\" (expected: a policy type)"));
    switch (type) {
      case ALWAYS_SAMPLE:
        return new AlwaysSamplePolicy();
      case LATENCY:
        return new LatencyPolicy(config.latency.thresholdMs, config.latency.upperThresholdMs);
      case NUMERIC_ATTRIBUTE: {
        PolicyConfig.NumericAttributeConfig c = config.numericAttribute;
        return new NumericAttributePolicy(c.key, c.minValue == null ? Long.MIN_VALUE : c.minValue,
            c.maxValue == null ? Long.MAX_VALUE : c.maxValue, c.invertMatch);
      }
      case PROBABILISTIC:
        return new ProbabilisticPolicy(config.probabilistic.hashSalt, config.probabilistic.samplingPercentage);
      case STATUS_CODE:
        return new StatusCodePolicy(config.statusCode.statusCodes);
      case STRING_ATTRIBUTE: {
        PolicyConfig.StringAttributeConfig c = config.stringAttribute;
        return new StringAttributePolicy(c.key, c.values, c.enabledRegexMatching, c.cacheMaxSize, c.invertMatch);
      }
      case RATE_LIMITING:
        return new RateLimitingPolicy(config.rateLimiting.spansPerSecond, nanoClock);
      case SPAN_COUNT:
        return new SpanCountPolicy(config.spanCount.minSpans, config.spanCount.maxSpans);
      case BOOLEAN_ATTRIBUTE: {
        PolicyConfig.BooleanAttributeConfig c = config.booleanAttribute;
        return new BooleanAttributePolicy(c.key, c.value, c.invertMatch);
      }
      case TRACE_STATE:
        return new TraceStatePolicy(config.traceState.key, config.traceState.values);
      case AND:
        return AndPolicy.and(createAll(config.and.andSubPolicy, nanoClock));
      case DROP:
        return AndPolicy.drop(createAll(config.drop.dropSubPolicy, nanoClock));
      case COMPOSITE:
        return composite(config.composite, nanoClock);
      default:
        throw new AssertionError(type);
    }
  }

  private static List<Policy> createAll(List<PolicyConfig> configs, LongSupplier nanoClock) {
    List<Policy> out = new ArrayList<>(configs.size());
    for (PolicyConfig c : configs) {
      out.add(create(c, nanoClock));
    }
    return out;
  }

  /**
   * Orders the sub-policies by {@code policy_order}, then the unlisted ones as declared, and gives
   * each its {@code percent} of the total, or an equal share (total / number of sub-policies) when
   * it has no allocation or a percent of 0.
   */
  static CompositePolicy composite(CompositeConfig c, LongSupplier nanoClock) {
    Map<String, PolicyConfig> byName = new LinkedHashMap<>();
    for (PolicyConfig p : c.compositeSubPolicy) {
      byName.put(p.name, p);
    }
    List<PolicyConfig> ordered = new ArrayList<>();
    for (String name : c.policyOrder) {
      PolicyConfig p = byName.remove(name);
      if (p != null) {
        ordered.add(p);
      }
    }
    ordered.addAll(byName.values());
    Map<String, Long> percents = new HashMap<>();
    for (RateAllocationConfig r : c.rateAllocation) {
      percents.put(r.policy, r.percent);
    }
    double total = c.maxTotalSpansPerSecond;
    List<CompositePolicy.Sub> subs = new ArrayList<>();
    for (PolicyConfig p : ordered) {
      long percent = percents.getOrDefault(p.name, 0L);
      double share = percent > 0 ? percent / 100.0 * total : total / c.compositeSubPolicy.size();
      subs.add(new CompositePolicy.Sub(p.name, create(p, nanoClock), (long) share));
    }
    return new CompositePolicy(subs, c.maxTotalSpansPerSecond, nanoClock);
  }
}
