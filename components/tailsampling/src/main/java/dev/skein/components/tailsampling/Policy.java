package dev.skein.components.tailsampling;

/**
 * Decides about one complete (as far as it has arrived) trace. The processor calls policies from
 * one thread at a time, so a stateful policy (a rate limiter, a cache) needs no locking.
 */
@FunctionalInterface
interface Policy {
  Decision evaluate(TraceData trace);
}
