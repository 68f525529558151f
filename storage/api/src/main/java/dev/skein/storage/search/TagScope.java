package dev.skein.storage.search;

/** Where an attribute is looked up: on the span, on its resource, or on either. */
public enum TagScope {
  /** The span's own attributes. */
  SPAN,
  /** The attributes of the resource that emitted the span. */
  RESOURCE,
  /** The span's attributes or its resource's: a condition holds if it holds for either. */
  ANY
}
