import { leadStreamId, toDomainEvent, type Clock, type LeadEvent } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { decideAndAppend, type Decided, type Decider } from '@leadledger/messaging';
import {
  decide,
  evolve,
  initialScoringState,
  type ScoringCommand,
  type ScoringModel,
  type ScoringState,
} from '../domain';

export const MARKETING_SCORING_SOURCE = '/leadledger/marketing-scoring';

export const scoringDecider: Decider<ScoringCommand, ScoringState, LeadEvent> = {
  initialState: initialScoringState,
  decide,
  evolve,
};

export interface RescoreCause {
  /** The event, schedule entry or run that made us look; a repeat of it changes nothing. */
  readonly causationId: string;
  readonly correlationId: string;
}

/** Scores a lead from its stream under a model, appending what changed (LeadScored, MQL, disqualification). */
export class MarketingScoringService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    readonly model: ScoringModel,
  ) {}

  rescore(
    leadId: string,
    cause: RescoreCause,
    model: ScoringModel = this.model,
  ): Promise<Decided<ScoringState, LeadEvent>> {
    const asOf = this.clock.now();
    return decideAndAppend(
      this.store,
      scoringDecider,
      { handler: 'marketing-scoring:rescore', source: MARKETING_SCORING_SOURCE },
      leadStreamId(leadId),
      { type: 'Rescore', leadId, model, asOf },
      { ...cause, actor: 'system:marketing-scoring', occurredAt: asOf.toISOString() },
    );
  }

  /** The lead's scoring state folded from its stream; undefined when the lead does not exist. */
  async scoringStateOf(leadId: string): Promise<ScoringState | undefined> {
    const recorded = await this.store.readStream(leadStreamId(leadId));
    if (recorded.length === 0) return undefined;
    return recorded.reduce((state, event) => {
      const domainEvent = toDomainEvent(event) as LeadEvent | undefined;
      const occurredAt =
        typeof event.metadata.occurredAt === 'string'
          ? event.metadata.occurredAt
          : event.recordedAt.toISOString();
      return domainEvent ? evolve(state, domainEvent, { id: event.id, occurredAt }) : state;
    }, initialScoringState);
  }
}
