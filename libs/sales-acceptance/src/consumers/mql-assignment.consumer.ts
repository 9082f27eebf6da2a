import type { LifecycleConsumer } from '@leadledger/messaging';
import { runWithCorrelation } from '@leadledger/observability';
import type { SalesAcceptanceService } from '../sales-acceptance.service';
import type { SalesMetrics } from '../sales-metrics';

/**
 * Assigns every MQL to a rep. The MQL's event id is the assignment's cause, so a redelivered MQL
 * finds its rep pick and its assignment recorded and changes nothing.
 */
export function mqlAssignment(sales: SalesAcceptanceService, metrics: SalesMetrics): LifecycleConsumer {
  return {
    name: 'sales-acceptance',
    category: 'lead',
    eventTypes: ['LeadMarketingQualified'],
    async handle(streams, context) {
      for (const stream of streams) {
        const { envelope } = stream.events[stream.events.length - 1];
        await runWithCorrelation(envelope.correlationid, async () => {
          const result = await sales.assignMql(stream.id, {
            causationId: envelope.id,
            correlationId: envelope.correlationid,
          });
          if (result && !result.alreadyHandled) metrics.record(result.events, result.state);
        });
        await context.heartbeat();
      }
    },
  };
}
