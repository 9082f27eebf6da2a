import { EVENT_CATALOG, EVENT_NAMES, lifecycleTopicOf } from '@leadledger/contracts';
import type { LeadledgerMetrics } from '@leadledger/observability';
import type { PlatformConfig } from './platform-config';

/**
 * The platform's counters whose label values are known before any traffic, set to 0 at start so
 * that after a restart each series is there at zero (a reset `rate()` handles) rather than missing
 * until its first increment (which `rate()` and `increase()` never see, and absence alerts misread).
 *
 * Not initialised here, because their label values only exist once traffic names them or belong
 * to a feature module: `leadledger_http_request_duration_seconds` (status codes), the consumer-side
 * series (`leadledger_events_consumed_total`, `leadledger_messages_dead_lettered_total`,
 * `leadledger_message_retries_total`, `leadledger_handler_duration_seconds`: the modules know their
 * topics), the gauges (`leadledger_consumer_lag_messages` per partition, `leadledger_relay_*`, set
 * on the relay's first pass), and the modules' own metrics, which each module initialises itself.
 */
export function initialiseKnownSeries(metrics: LeadledgerMetrics, config: PlatformConfig): void {
  metrics.initialiseCounter(
    metrics.eventsAppended,
    EVENT_NAMES.map((name) => ({ event_type: EVENT_CATALOG[name].type })),
  );
  // Only the relay publishes, and only with Kafka: the embedded pipeline reads the store instead.
  if (config.relay && config.kafkaBrokers) {
    metrics.initialiseCounter(
      metrics.eventsPublished,
      EVENT_NAMES.map((name) => ({
        topic: lifecycleTopicOf(EVENT_CATALOG[name].category),
        event_type: EVENT_CATALOG[name].type,
      })),
    );
  }
}
