import type { LeadEvent, LeadScoredData, ScoreContribution } from '@leadledger/contracts';
import { DomainError, type Decider, type EventMeta } from '@leadledger/eventsourcing';
import { factsCapturedBy, factsUpdatedBy, type LeadFacts } from './lead-facts';
import {
  disqualifierMatching,
  isMarketingQualified,
  nextReviewAt,
  scoreLead,
  type Engagement,
  type Score,
} from './score';
import type { Disqualifier, ScoringModel } from './scoring-model';

/** The score last recorded on the stream. */
export type RecordedScore = Pick<
  LeadScoredData,
  'fit' | 'engagement' | 'total' | 'breakdown' | 'modelVersion'
>;

/** The LeadDisqualified currently in force. */
export interface Disqualification {
  /** Absent when the lead was ruled out by hand rather than by a scoring rule. */
  readonly ruleId?: string;
  readonly reason: string;
}

/** What marketing-scoring folds out of a lead's stream. */
export interface ScoringState {
  readonly status: 'awaiting_capture' | 'active' | 'erased';
  readonly leadId?: string;
  readonly facts: LeadFacts;
  readonly engagements: readonly Engagement[];
  readonly lastScore?: RecordedScore;
  /** A LeadMarketingQualified since the last LeadRecycled (or LeadDisqualified, which ends an MQL). */
  readonly qualifiedSinceRecycle: boolean;
  readonly disqualification?: Disqualification;
  /** Sales recycled the lead to nurture until then: no MQL before it, however engaged the lead is. */
  readonly nurtureUntil?: string;
}

export type ScoringCommand = {
  readonly type: 'Rescore';
  readonly leadId: string;
  readonly model: ScoringModel;
  readonly asOf: Date;
};

export const initialScoringState: ScoringState = {
  status: 'awaiting_capture',
  facts: {},
  engagements: [],
  qualifiedSinceRecycle: false,
};

/**
 * Rescoring a lead records what changed: a new score when any part of it differs from the last one recorded,
 * then either a disqualification or an MQL.
 *
 * Disqualification is a verdict on facts, not a life sentence. While its disqualifier matches, it holds and
 * is not repeated. When the facts change so that no disqualifier matches anymore (a company size corrected
 * from 3 to 300), the lead is scored as any other and, once qualified, becomes an MQL without waiting for a
 * recycle: that LeadMarketingQualified is what lifts the disqualification on the stream (v1 has no event of
 * its own for it), so a lead that later matches a disqualifier again is disqualified again. A lead that
 * matches a different disqualifier than the one in force is disqualified again, with the new reason. A
 * LeadRecycled clears it too (and disqualifies the lead again if the fact still holds). A disqualification
 * without a rule, made by hand, holds until a recycle whatever the facts: no fact of ours explains it.
 *
 * An MQL happens once per nurture cycle: engagement decaying below the threshold and rising again does not
 * repeat it; a LeadRecycled, or a LeadDisqualified (which ends the MQL), opens a new cycle. A recycle may
 * hold the next MQL back until its `nurtureUntil` (sales' cool-down): the rescore scheduled for that time
 * (nurture cool-downs) makes the MQL then if the lead still qualifies.
 */
export function decide(command: ScoringCommand, state: ScoringState): LeadEvent[] {
  switch (command.type) {
    case 'Rescore':
      return rescore(command, state);
  }
}

export function evolve(state: ScoringState, event: LeadEvent, meta: EventMeta): ScoringState {
  // Erasure is final: lead-capture refuses to capture an erased lead again, and scoring forgets it for good.
  if (event.type === 'LeadCaptured' && state.status !== 'erased') {
    return {
      ...initialScoringState,
      status: 'active',
      leadId: event.data.leadId,
      facts: factsCapturedBy(event.data, meta.id),
    };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'LeadDetailsUpdated':
      return { ...state, facts: factsUpdatedBy(state.facts, event.data, meta.id) };
    case 'LeadEngagementRecorded': {
      const engagement = { eventId: meta.id, activity: event.data.activity, occurredAt: meta.occurredAt };
      return { ...state, engagements: [...state.engagements, engagement] };
    }
    case 'LeadErased':
      // Nothing of the lead is kept, and nothing more is decided for it.
      return { ...initialScoringState, status: 'erased', leadId: state.leadId };
    case 'LeadScored': {
      const { fit, engagement, total, breakdown, modelVersion } = event.data;
      return { ...state, lastScore: { fit, engagement, total, breakdown, modelVersion } };
    }
    case 'LeadMarketingQualified':
      return { ...state, qualifiedSinceRecycle: true, disqualification: undefined };
    case 'LeadDisqualified': {
      const { ruleId, reason } = event.data;
      return {
        ...state,
        qualifiedSinceRecycle: false,
        disqualification: { ...(ruleId ? { ruleId } : {}), reason },
      };
    }
    case 'LeadRecycled': {
      const { nurtureUntil } = event.data;
      return { ...state, qualifiedSinceRecycle: false, disqualification: undefined, nurtureUntil };
    }
    case 'LeadCaptured':
    case 'LeadAssignedToSales':
    case 'LeadReassigned':
    case 'LeadHandoffSlaBreached':
    case 'LeadAcceptedBySales':
    case 'LeadRejectedBySales':
    case 'LeadQualificationRecorded':
    case 'LeadQualified':
    case 'LeadConvertedToOpportunity':
      return state;
  }
}

/** A lead's stream as marketing-scoring decides on it. */
export const scoringDecider: Decider<ScoringCommand, ScoringState, LeadEvent> = {
  initialState: initialScoringState,
  decide,
  evolve,
};

function rescore({ leadId, model, asOf }: ScoringCommand, state: ScoringState): LeadEvent[] {
  if (state.status !== 'active') return [];
  if (state.leadId !== leadId) {
    throw new DomainError(
      'precondition',
      `Rescore of lead ${leadId} was decided on the stream of lead ${state.leadId}`,
    );
  }
  const { facts, engagements } = state;
  const score = scoreLead(model, facts, engagements, asOf);
  const decided: LeadEvent[] = [];
  if (!sameScore(state.lastScore, score)) {
    // From the score alone, not the disqualification: it is the same whenever the score is, so a rescore
    // that records nothing leaves no stale review time behind.
    const reviewAt = nextReviewAt(model, facts, engagements, asOf);
    decided.push({
      type: 'LeadScored',
      data: { leadId, ...score, ...(reviewAt ? { nextReviewAt: reviewAt.toISOString() } : {}) },
    });
  }
  const disqualifier = disqualifierMatching(model, facts);
  if (disqualifier) {
    if (isNewDisqualification(state.disqualification, disqualifier)) {
      const { id: ruleId, reason } = disqualifier;
      decided.push({
        type: 'LeadDisqualified',
        data: { leadId, reason, ruleId, modelVersion: model.version },
      });
    }
    return decided;
  }
  const heldByHand = state.disqualification !== undefined && state.disqualification.ruleId === undefined;
  const nurturing = state.nurtureUntil !== undefined && asOf.getTime() < Date.parse(state.nurtureUntil);
  if (!heldByHand && !nurturing && !state.qualifiedSinceRecycle && isMarketingQualified(model, score)) {
    const { fit, engagement } = score;
    decided.push({
      type: 'LeadMarketingQualified',
      data: { leadId, fit, engagement, modelVersion: model.version },
    });
  }
  return decided;
}

/** A lead already ruled out is not ruled out again for the same rule, nor at all when it was ruled out by hand. */
function isNewDisqualification(inForce: Disqualification | undefined, matching: Disqualifier): boolean {
  return inForce === undefined || (inForce.ruleId !== undefined && inForce.ruleId !== matching.id);
}

function sameScore(recorded: RecordedScore | undefined, score: Score): boolean {
  return (
    recorded !== undefined &&
    recorded.fit === score.fit &&
    recorded.engagement === score.engagement &&
    recorded.total === score.total &&
    recorded.modelVersion === score.modelVersion &&
    recorded.breakdown.length === score.breakdown.length &&
    recorded.breakdown.every((part, index) => sameContribution(part, score.breakdown[index]))
  );
}

function sameContribution(a: ScoreContribution, b: ScoreContribution): boolean {
  return a.ruleId === b.ruleId && a.axis === b.axis && a.points === b.points && a.eventId === b.eventId;
}
