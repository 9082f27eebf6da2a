import { eventTypeOf, parseStreamId, type LeadRecycledData } from '@leadledger/contracts';
import { deriveId } from '@leadledger/eventsourcing';
import { firingIdOf, type DueItemHandler, type DurableScheduler } from '@leadledger/projections';
import type { MarketingScoringService } from '../marketing-scoring.service';

const LEAD_RECYCLED = eventTypeOf('LeadRecycled');

/**
 * A lead sales recycled to nurture may not become an MQL before its `nurtureUntil`, and nothing need
 * happen to it at that moment: a lead engaged enough all along would wait for its next engagement.
 * So the end of each cool-down is a timer that rescores the lead; erasure cancels it.
 */
export const nurtureCooldowns: DurableScheduler = {
  name: 'marketing-scoring.nurture-cooldowns',
  eventTypes: [LEAD_RECYCLED, eventTypeOf('LeadErased')],
  dueItemsOf(event) {
    const leadId = parseStreamId(event.streamId)?.id;
    if (!leadId) return [];
    const nurtureUntil =
      event.type === LEAD_RECYCLED ? (event.data as LeadRecycledData).nurtureUntil : undefined;
    return [{ key: leadId, dueAt: nurtureUntil === undefined ? undefined : new Date(nurtureUntil) }];
  },
};

/** Rescores the lead whose cool-down ended; the causation names the firing, so a repeat changes nothing. */
export function endNurtureCooldown(scoring: MarketingScoringService): DueItemHandler {
  return async (item) => {
    const causationId = deriveId('nurture-cooldown', firingIdOf(item));
    await scoring.rescore(item.key, { causationId, correlationId: causationId });
  };
}
