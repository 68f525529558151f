package dev.skein.components.tailsampling;

/** Samples every trace. */
final class AlwaysSamplePolicy implements Policy {
  @Override
  public Decision evaluate(TraceData trace) {
    return Decision.SAMPLED;
  }
}
