import { eventNamesIn, eventTypeOf, type LeadEvent, type ScoreContribution } from '@leadledger/contracts';
import { streamStateProjection } from '@leadledger/projections';
import { scoringDecider, type ScoringState } from '../domain';

/** GET /leads/{id}/score: the recorded score and every point's rule and event. */
export interface ScoreView {
  readonly leadId: string;
  readonly fit: number;
  readonly engagement: number;
  readonly total: number;
  readonly breakdown: readonly ScoreContribution[];
  readonly modelVersion: string;
  /** Handed to sales as marketing-qualified in the current nurture cycle. */
  readonly mql: boolean;
  readonly disqualified: boolean;
  readonly disqualificationReason?: string;
}

/**
 * Scores as a read model: every lead event folded by the scoring decider's own evolve, so `mql` and
 * `disqualified` mean here exactly what the decider decides on.
 */
export const scoreViewProjection = streamStateProjection<ScoringState, LeadEvent>({
  name: 'marketing-scoring.score-views',
  table: 'lead_scores',
  category: 'lead',
  eventTypes: eventNamesIn('lead').map(eventTypeOf),
  initialState: scoringDecider.initialState,
  evolve: scoringDecider.evolve,
});

/** Undefined until the lead has a recorded score. */
export function toScoreView(leadId: string, state: ScoringState): ScoreView | undefined {
  const score = state.lastScore;
  if (!score || state.status !== 'active') return undefined;
  return {
    leadId,
    fit: score.fit,
    engagement: score.engagement,
    total: score.total,
    breakdown: score.breakdown,
    modelVersion: score.modelVersion,
    mql: state.qualifiedSinceRecycle,
    disqualified: state.disqualification !== undefined,
    ...(state.disqualification ? { disqualificationReason: state.disqualification.reason } : {}),
  };
}

/** The lead's first-touch source, for MQLs by source. */
export function sourceOf(state: ScoringState): string | undefined {
  return state.facts.source?.value;
}
