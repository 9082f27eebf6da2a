import { eventTypeOf, parseStreamId, type LeadScoredData } from '@leadledger/contracts';
import { deriveId } from '@leadledger/eventsourcing';
import { firingIdOf, type DueItemHandler, type DurableScheduler } from '@leadledger/projections';
import type { MarketingScoringService } from '../marketing-scoring.service';

const LEAD_SCORED = eventTypeOf('LeadScored');

/**
 * Decay changes scores without new events, but it only matters when it changes what a score means:
 * each LeadScored says when that next happens (`nextReviewAt`), and a later LeadScored (or the
 * lead's erasure) replaces or cancels it. Kept durably in the read schema, so a boot resumes where
 * it stood instead of replaying every LeadScored ever written.
 */
export const decayReviews: DurableScheduler = {
  name: 'marketing-scoring.decay-reviews',
  eventTypes: [LEAD_SCORED, eventTypeOf('LeadErased')],
  dueItemsOf(event) {
    const leadId = parseStreamId(event.streamId)?.id;
    if (!leadId) return [];
    const nextReviewAt = event.type === LEAD_SCORED ? (event.data as LeadScoredData).nextReviewAt : undefined;
    return [{ key: leadId, dueAt: nextReviewAt === undefined ? undefined : new Date(nextReviewAt) }];
  },
};

/**
 * Rescores the lead that came due. Its causation names the firing (lead and due time), so a second
 * ticker or a retried firing changes nothing.
 */
export function reviewDecay(scoring: MarketingScoringService): DueItemHandler {
  return async (item) => {
    const causationId = deriveId('decay-review', firingIdOf(item));
    await scoring.rescore(item.key, { causationId, correlationId: causationId });
  };
}
