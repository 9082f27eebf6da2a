export { ObservabilityModule, useStructuredLogging } from './lib/observability.module';
export type { ObservabilityOptions, ReadinessOptions } from './lib/observability.options';
export {
  CORRELATION_ID_HEADER,
  currentCorrelationId,
  isValidCorrelationId,
  resolveCorrelationId,
  runWithCorrelation,
} from './lib/correlation/correlation-context';
export {
  CLIENT_CLOSED_REQUEST,
  createMetricsRegistry,
  DEFAULT_METRICS_REFUSED_BY_PROMTOOL,
  EVENT_TYPE_HEADER,
  eventTypeOf,
  InvalidMetricDefinitionError,
  LeadledgerMetrics,
  type ObservedHeaders,
  type MessagingMetricsObserver,
  type ObservedMessage,
} from './lib/metrics/leadledger-metrics';
export { UNMATCHED_ROUTE } from './lib/metrics/http-metrics.middleware';
export {
  DuplicateReadinessProbeError,
  ReadinessRegistry,
  type ReadinessProbe,
} from './lib/health/readiness-registry';
export { DEFAULT_READINESS_TIMEOUT_MS } from './lib/health/health.controller';
export { InvalidLogLevelError } from './lib/logging/create-logger-params';
