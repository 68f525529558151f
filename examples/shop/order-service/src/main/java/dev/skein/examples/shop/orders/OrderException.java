package dev.skein.examples.shop.orders;

/** Why an order failed, with the HTTP status order-service answers for it. */
final class OrderException extends Exception {
  private static final long serialVersionUID = 1L;
  final int status;

  OrderException(int status, String message) {
    super(message);
    this.status = status;
  }

  OrderException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }
}
