// tracing.js: the guide's Step 1, for the current OpenTelemetry Node.js SDK.
// Load it before any other module: node --require ./tracing.js server.js
'use strict';

const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
// Resource is no longer a class in @opentelemetry/resources 2.x; the SemanticResourceAttributes
// map became one ATTR_* constant per stable attribute.
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = require('@opentelemetry/semantic-conventions');

// deployment.environment.name replaced deployment.environment and is not stable yet, so it has no
// constant in the package's stable entry point.
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

// The service name as the tracing UI shows it.
const resource = resourceFromAttributes({
  [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME || 'payment',
  [ATTR_SERVICE_VERSION]: process.env.APP_VERSION || '1.0.0',
  [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: process.env.NODE_ENV || 'production',
});

// OTLP over gRPC to the collector (Skein's otlp receiver listens on 4317).
const traceExporter = new OTLPTraceExporter({
  url: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4317',
});

const sdk = new NodeSDK({
  resource,
  traceExporter,
  instrumentations: [
    getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-fs': { enabled: false }, // too noisy
      // Express 5 dispatches through the router package, which the express instrumentation
      // already traces; instrumenting router as well would show every handler twice.
      '@opentelemetry/instrumentation-router': { enabled: false },
      '@opentelemetry/instrumentation-http': {
        ignoreIncomingRequestHook: (req) => req.url === '/health', // skip health checks
      },
    }),
  ],
});

sdk.start();

// Graceful shutdown: flush the spans still buffered before the process exits.
process.on('SIGTERM', () => {
  sdk.shutdown()
    .catch((err) => console.error('payment: flushing spans failed:', err))
    .finally(() => process.exit(0));
});
