package dev.skein.storage.search;

/** Something of a span that a {@link SpanCondition} looks at: an {@link Intrinsic} or an {@link Attribute}. */
public sealed interface Field permits Intrinsic, Attribute {}
