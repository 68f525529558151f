package dev.skein.bench;

/**
 * Sends one request body and waits for the server's answer. One instance per load client; each
 * is used by one thread at a time.
 */
interface Transport extends AutoCloseable {
  /** What the server answered to one request. */
  record Outcome(Kind kind, long rejectedSpans, String detail) {
    static Outcome accepted(long rejectedSpans) {
      return new Outcome(Kind.ACCEPTED, rejectedSpans, "");
    }

    static Outcome retryable(String detail) {
      return new Outcome(Kind.RETRYABLE, 0, detail);
    }

    static Outcome permanent(String detail) {
      return new Outcome(Kind.PERMANENT, 0, detail);
    }
  }

  /**
   * ACCEPTED: the server took the request (possibly refusing some spans in a partial success).
   * RETRYABLE: refused for now (over capacity, unavailable); a client should retry after a pause.
   * PERMANENT: refused for good.
   */
  enum Kind { ACCEPTED, RETRYABLE, PERMANENT }

  Outcome send(byte[] body) throws InterruptedException;

  @Override
  void close();
}
