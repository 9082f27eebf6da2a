import type { LifecycleConsumer } from '@leadledger/messaging';
import { runWithCorrelation } from '@leadledger/observability';
import type { OpportunityService } from '../opportunity.service';

/**
 * Opens the opportunity of every LeadConvertedToOpportunity. The conversion's event id is the
 * opening's cause, and the opportunity id derives from the lead: delivered twice, it opens once.
 */
export function conversionOpening(opportunities: OpportunityService): LifecycleConsumer {
  return {
    name: 'opportunity',
    category: 'lead',
    eventTypes: ['LeadConvertedToOpportunity'],
    async handle(streams, context) {
      for (const stream of streams) {
        for (const { envelope, event } of stream.events) {
          if (event.type !== 'LeadConvertedToOpportunity') continue;
          await runWithCorrelation(envelope.correlationid, () =>
            opportunities.openFromConversion(event.data, {
              causationId: envelope.id,
              correlationId: envelope.correlationid,
            }),
          );
        }
        await context.heartbeat();
      }
    },
  };
}
