package dev.skein.server.canary;

/** One thing a check found wrong with a trace, and the line that explains it. */
record Problem(Result result, String message) {}
