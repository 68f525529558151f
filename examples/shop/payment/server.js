// The shop's payment service: authorizes a card payment and records it in PostgreSQL.
// Start it with the tracer loaded first: node --require ./tracing.js server.js
//
// Environment: PORT (8083), HOST (127.0.0.1), and node-postgres' own PGHOST, PGPORT, PGDATABASE,
// PGUSER and PGPASSWORD.
'use strict';

const crypto = require('node:crypto');
const express = require('express');
const { Pool } = require('pg');
const { trace, SpanStatusCode } = require('@opentelemetry/api');

const tracer = trace.getTracer('payment', '1.0.0');
const pool = new Pool({ max: 8, application_name: 'payment' });

// Fault switches arrive per request from the gateway, through order-service, in this header.
const FAULTS_HEADER = 'x-shop-faults';
// The card network's usual answer time, and the spike the payment-timeout fault injects: longer
// than order-service's 1 s client timeout.
const CARD_NETWORK_MS = { min: 30, max: 90 };
const SPIKE_MS = 1200;

class CardNetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CardNetworkError';
  }
}

function faultsOf(req) {
  return new Set((req.get(FAULTS_HEADER) || '').split(',').map((s) => s.trim()).filter(Boolean));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The call to the card network, which this demo stands in for: its own span, so that a slow or
// failed authorization shows where the time went.
async function authorizeCard(amountCents, faults) {
  return tracer.startActiveSpan('card.authorize', async (span) => {
    const started = Date.now();
    try {
      span.setAttribute('payment.method', 'card');
      span.setAttribute('payment.amount_cents', amountCents);
      const latency = faults.has('payment-timeout')
        ? SPIKE_MS
        : CARD_NETWORK_MS.min + crypto.randomInt(CARD_NETWORK_MS.max - CARD_NETWORK_MS.min);
      await sleep(latency);
      if (faults.has('payment-error')) {
        throw new CardNetworkError('card network unavailable');
      }
      const elapsed = Date.now() - started;
      span.setAttribute('payment.gateway_latency_ms', elapsed);
      return elapsed;
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

const app = express();
app.use(express.json());

app.get('/health', (req, res) => {
  res.json({ status: 'ok' });
});

app.post('/payments', async (req, res, next) => {
  const { order_id: orderId, user_id: userId, amount_cents: amountCents } = req.body || {};
  if (typeof orderId !== 'string' || typeof userId !== 'string'
      || !Number.isInteger(amountCents) || amountCents <= 0) {
    res.status(400).json({
      error: 'expected a JSON body {"order_id": string, "user_id": string, "amount_cents": integer > 0}',
    });
    return;
  }
  try {
    const latencyMs = await authorizeCard(amountCents, faultsOf(req));
    const transactionId = 'txn_' + crypto.randomBytes(8).toString('hex');
    await pool.query(
      'INSERT INTO payments (transaction_id, order_id, user_id, amount_cents, method) VALUES ($1, $2, $3, $4, $5)',
      [transactionId, orderId, userId, amountCents, 'card'],
    );
    res.status(201).json({
      transaction_id: transactionId,
      method: 'card',
      amount_cents: amountCents,
      gateway_latency_ms: latencyMs,
    });
  } catch (err) {
    if (err instanceof CardNetworkError) {
      res.status(503).json({ error: err.message });
      return;
    }
    next(err);
  }
});

app.use((err, req, res, next) => {
  console.error('payment: request failed:', err);
  res.status(500).json({ error: err.message });
});

const port = Number(process.env.PORT || 8083);
const host = process.env.HOST || '127.0.0.1';
app.listen(port, host, (err) => {
  if (err) {
    console.error(`payment: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  }
  console.log(`payment listening on http://${host}:${port}`);
});
