import { eventTypeOf, parseStreamId, toDomainEvent } from '@leadledger/contracts';
import { deriveId } from '@leadledger/eventsourcing';
import { firingIdOf, type DueItemHandler, type DurableScheduler } from '@leadledger/projections';
import type { SalesAcceptanceService } from '../sales-acceptance.service';
import type { SalesMetrics } from '../sales-metrics';

/**
 * Each assignment starts a handoff SLA timer for its lead, a reassignment restarts it, and the
 * lead's answer (or anything else that takes it out of the rep's hands) stops it. Kept durably, so
 * no SLA is forgotten across restarts; the firing's cause makes the breach happen once.
 */
export const handoffSlas: DurableScheduler = {
  name: 'sales-acceptance.handoff-slas',
  eventTypes: (
    [
      'LeadAssignedToSales',
      'LeadReassigned',
      'LeadAcceptedBySales',
      'LeadRejectedBySales',
      'LeadDisqualified',
      'LeadRecycled',
      'LeadConvertedToOpportunity',
      'LeadErased',
    ] as const
  ).map(eventTypeOf),
  dueItemsOf(recorded) {
    const leadId = parseStreamId(recorded.streamId)?.id;
    const event = toDomainEvent(recorded);
    if (!leadId || !event) return [];
    switch (event.type) {
      case 'LeadAssignedToSales':
        return [{ key: leadId, dueAt: new Date(event.data.slaDueAt) }];
      case 'LeadReassigned':
        return [{ key: leadId, dueAt: event.data.slaDueAt ? new Date(event.data.slaDueAt) : undefined }];
      default:
        return [{ key: leadId, dueAt: undefined }];
    }
  },
};

export function breachHandoffSla(
  sales: SalesAcceptanceService,
  metrics: Pick<SalesMetrics, 'recordBreach'>,
): DueItemHandler {
  return async (item) => {
    const causationId = deriveId('handoff-sla', firingIdOf(item));
    const outcome = await sales.breachHandoffSla(item.key, item.dueAt, {
      causationId,
      correlationId: causationId,
    });
    // Counted when written, not when a repeated firing finds it written.
    if (outcome.breached?.now) metrics.recordBreach(outcome.breached.team);
  };
}
