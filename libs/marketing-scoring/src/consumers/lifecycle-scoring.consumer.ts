import type { LifecycleConsumer } from '@leadledger/messaging';
import { allSideBySide } from '@leadledger/eventsourcing';
import { runWithCorrelation } from '@leadledger/observability';
import type { MarketingScoringService } from '../marketing-scoring.service';
import { sourceOf } from '../projections/score-view';
import type { ScoringMetrics } from '../scoring-metrics';

/** Leads of a batch rescored at once. */
const LEADS_IN_FLIGHT = 16;

/**
 * Rescoring on the lead lifecycle: the events that can change a score (scoring's own and later
 * stages cannot). A score is a function of the whole stream, so a batch rescores each lead once,
 * caused by its latest event there: a burst of engagements writes one LeadScored, not one per
 * engagement. A redelivered event finds its rescore recorded, and the stream it reads counts every
 * event once.
 */
export function lifecycleScoring(
  scoring: MarketingScoringService,
  metrics: ScoringMetrics,
): LifecycleConsumer {
  return {
    name: 'marketing-scoring',
    category: 'lead',
    eventTypes: ['LeadCaptured', 'LeadDetailsUpdated', 'LeadEngagementRecorded', 'LeadRecycled'],
    async handle(streams, context) {
      // Each stream is another lead: rescored side by side, their LeadScored share commits.
      await allSideBySide(streams, LEADS_IN_FLIGHT, async (stream) => {
        const { envelope } = stream.events[stream.events.length - 1];
        await runWithCorrelation(envelope.correlationid, async () => {
          const result = await scoring.rescore(stream.id, {
            causationId: envelope.id,
            correlationId: envelope.correlationid,
          });
          if (!result.alreadyHandled) metrics.record(result.events, sourceOf(result.state));
        });
        await context.heartbeat();
      });
    },
  };
}
