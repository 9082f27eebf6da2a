import type { ScoreContribution } from '@leadledger/contracts';
import type { ScoringState } from '../domain';

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
