import {
  leadStreamId,
  opportunityStreamId,
  toDomainEvent,
  type Actor,
  type Clock,
  type LeadConvertedToOpportunityData,
  type OpportunityEvent,
} from '@leadledger/contracts';
import {
  DomainError,
  handleCommand,
  type Decided,
  type EventStore,
  type StreamRevision,
  type UnreadableEventHandler,
} from '@leadledger/eventsourcing';
import {
  opportunityDecider,
  type OpportunityCommand,
  type OpportunityState,
} from './domain/opportunity.decider';
import { pipelineById, type Pipeline } from '@leadledger/contracts';
import type { LoadedPipelines } from '@leadledger/contracts';

export const OPPORTUNITY_SOURCE = '/leadledger/opportunity';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface OpportunityCause {
  readonly causationId: string;
  readonly correlationId: string;
  readonly actor: Actor;
}

/** A command as HTTP sends it: everything but the pipeline, which the service looks up. */
export type OpportunityChange = DistributiveOmit<Exclude<OpportunityCommand, { type: 'Open' }>, 'pipeline'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Opens opportunities from conversions and runs every change to them on their own streams. */
export class OpportunityService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    readonly pipelines: LoadedPipelines,
    private readonly onUnreadable?: UnreadableEventHandler,
  ) {}

  /**
   * Opens the opportunity a lead was converted into, in the default pipeline, with the budget and
   * timeline the qualification found (the close date defaults to the pipeline's usual cycle) and
   * the account the lead named. The conversion's event id is the cause: delivered twice, it opens once.
   */
  async openFromConversion(
    conversion: LeadConvertedToOpportunityData,
    cause: Omit<OpportunityCause, 'actor'>,
  ): Promise<Decided<OpportunityState, OpportunityEvent>> {
    const pipeline = this.pipeline(this.pipelines.config.defaultPipeline);
    const account = await this.accountOfLead(conversion.leadId);
    const now = this.clock.now();
    const expectedCloseDate =
      conversion.expectedCloseDate ?? isoDate(new Date(now.getTime() + pipeline.defaultCloseDays * DAY_MS));
    return this.decide(
      {
        type: 'Open',
        opportunityId: conversion.opportunityId,
        leadId: conversion.leadId,
        name: `${account ?? `Lead ${conversion.leadId.slice(0, 8)}`} - ${pipeline.name}`,
        ...(account ? { account } : {}),
        owner: conversion.owner,
        team: conversion.team,
        pipeline,
        ...(conversion.amount ? { amount: conversion.amount } : {}),
        expectedCloseDate,
        criteriaMet: conversion.evidence
          .filter(({ value }) => value === 'met')
          .map(({ criterion }) => criterion),
      },
      { ...cause, actor: 'system:opportunity' },
    );
  }

  /** A change from a person; `expectedRevision` is their If-Match. */
  async change(
    change: OpportunityChange,
    cause: OpportunityCause,
    expectedRevision?: StreamRevision,
  ): Promise<Decided<OpportunityState, OpportunityEvent>> {
    const current = await this.current(change.opportunityId);
    const pipeline = this.pipeline(current.pipeline);
    return this.decide({ ...change, pipeline } as OpportunityCommand, cause, expectedRevision);
  }

  pipeline(id: string): Pipeline {
    const pipeline = pipelineById(this.pipelines.config, id);
    // An opportunity's pipeline removed from the config leaves it unworkable until the config names it again.
    if (!pipeline)
      throw new DomainError('conflict', `pipeline ${id} is not configured (config/pipelines.json)`);
    return pipeline;
  }

  /** Its opening, which fixes its pipeline: the first event of its stream. */
  private async current(opportunityId: string) {
    const events = await this.store.readStream(opportunityStreamId(opportunityId), { maxCount: 1 });
    const opened = events.map(toDomainEvent).find((event) => event?.type === 'OpportunityOpened');
    if (opened?.type !== 'OpportunityOpened') {
      throw new DomainError('not_found', `opportunity ${opportunityId} does not exist`);
    }
    return opened.data;
  }

  /** The lead's company name as last submitted, read from its stream: the opportunity's account. */
  private async accountOfLead(leadId: string): Promise<string | undefined> {
    let account: string | undefined;
    for (const recorded of await this.store.readStream(leadStreamId(leadId))) {
      const event = safely(() => toDomainEvent(recorded));
      if (event?.type === 'LeadCaptured') account = event.data.company?.name;
      if (event?.type === 'LeadDetailsUpdated' && event.data.changedFields.includes('company.name')) {
        account = event.data.company?.name;
      }
      if (event?.type === 'LeadErased') account = undefined;
    }
    return account;
  }

  private decide(
    command: OpportunityCommand,
    cause: OpportunityCause,
    expectedRevision?: StreamRevision,
  ): Promise<Decided<OpportunityState, OpportunityEvent>> {
    return handleCommand(
      this.store,
      opportunityDecider,
      { handler: `opportunity:${command.type}`, source: OPPORTUNITY_SOURCE },
      opportunityStreamId(command.opportunityId),
      command,
      { ...cause, occurredAt: this.clock.now().toISOString() },
      {
        ...(this.onUnreadable ? { onUnreadable: this.onUnreadable } : {}),
        ...(expectedRevision !== undefined ? { expectedRevision } : {}),
      },
    );
  }
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** An event that breaks its contract is skipped here: it cannot name an account. */
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
