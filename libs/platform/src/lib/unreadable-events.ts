import type { UnreadableEventHandler } from '@leadledger/eventsourcing';
import { LeadledgerMetrics } from '@leadledger/observability';
import { Logger } from '@nestjs/common';

/**
 * How a service reports a stored event it skipped for breaking its contract: one log line (ids and
 * the contract's complaint, no data) and `leadledger_events_unreadable_total`, so the skip is
 * visible and alertable instead of silent.
 */
export function reportUnreadableEvents(metrics: LeadledgerMetrics): UnreadableEventHandler {
  const logger = new Logger('UnreadableEvents');
  const unreadable = metrics.counter(
    'leadledger_events_unreadable_total',
    'Stored events skipped because they break their contract.',
    ['event_type'],
  );
  return (event, error) => {
    unreadable.inc({ event_type: event.type });
    logger.error(
      {
        eventId: event.id,
        streamId: event.streamId,
        revision: event.revision.toString(),
        eventType: event.type,
        issues: error.issues.map(({ path, reason }) => `${path || '(data)'} ${reason}`),
      },
      'stored event breaks its contract; skipped',
    );
  };
}
