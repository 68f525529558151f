package dev.skein.pipeline.server;

import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RoutingContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

/**
 * A decorator that runs as soon as a request's headers are in. Armeria reads a unary call's whole
 * body before the service (and any decorator) runs; declaring the request a stream lets a check
 * on the headers (a credential, a tenant) refuse the request before its body is read, so a client
 * that fails it cannot make the server buffer its message.
 */
abstract class HeadersFirstDecorator extends SimpleDecoratingHttpService {
  HeadersFirstDecorator(HttpService delegate) {
    super(delegate);
  }

  @Override
  public ExchangeType exchangeType(RoutingContext routingContext) {
    ExchangeType t = super.exchangeType(routingContext);
    return t.isRequestStreaming() ? t : ExchangeType.of(true, t.isResponseStreaming());
  }
}
