import { leadStreamId, type Clock, type LeadEvent } from '@leadledger/contracts';
import {
  aggregateStream,
  handleCommand,
  type Decided,
  type EventStore,
  type UnreadableEventHandler,
} from '@leadledger/eventsourcing';
import { scoringDecider, type ScoringModel, type ScoringState } from './domain';

export const MARKETING_SCORING_SOURCE = '/leadledger/marketing-scoring';

export interface RescoreCause {
  /** The event, schedule entry or run that made us look; a repeat of it changes nothing. */
  readonly causationId: string;
  readonly correlationId: string;
}

export interface RescoreOptions {
  /** Another model than the one in force: a candidate being tried. */
  readonly model?: ScoringModel;
  /** Decide what the rescore would append, and append nothing. */
  readonly dryRun?: boolean;
}

/** Scores a lead from its stream under a model, appending what changed (LeadScored, MQL, disqualification). */
export class MarketingScoringService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    readonly model: ScoringModel,
    private readonly onUnreadable?: UnreadableEventHandler,
  ) {}

  rescore(
    leadId: string,
    cause: RescoreCause,
    options: RescoreOptions = {},
  ): Promise<Decided<ScoringState, LeadEvent>> {
    const asOf = this.clock.now();
    return handleCommand(
      this.store,
      scoringDecider,
      { handler: 'marketing-scoring:rescore', source: MARKETING_SCORING_SOURCE },
      leadStreamId(leadId),
      { type: 'Rescore', leadId, model: options.model ?? this.model, asOf },
      { ...cause, actor: 'system:marketing-scoring', occurredAt: asOf.toISOString() },
      { dryRun: options.dryRun ?? false, ...(this.onUnreadable ? { onUnreadable: this.onUnreadable } : {}) },
    );
  }

  /** The lead's scoring state folded from its stream; undefined when the lead does not exist. */
  async scoringStateOf(leadId: string): Promise<ScoringState | undefined> {
    const { state, revision } = await aggregateStream(
      this.store,
      leadStreamId(leadId),
      scoringDecider,
      this.onUnreadable ? { onUnreadable: this.onUnreadable } : {},
    );
    return revision === undefined ? undefined : state;
  }
}
