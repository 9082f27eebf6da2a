import { leadStreamId, resolveEventName, type Actor, type Clock } from '@leadledger/contracts';
import type { EventStore, GlobalPosition, RecordedEvent } from '@leadledger/eventstore';
import {
  DEFAULT_COMMAND_RETRY,
  DomainError,
  deriveId,
  handleCommand,
  retry,
  type CommandContext,
  type StreamAppend,
  type UnreadableEventHandler,
} from '@leadledger/eventsourcing';
import { hasHandle, identityKeysOf } from './domain/identity';
import { leadDecider, type Engagement, type LeadCommand } from './domain/lead.decider';
import { readSubmission, type LeadSubmission, type SubmissionFinding } from './domain/lead-submission';
import { IdempotencyKeys, type IdempotentRequest } from './idempotency/idempotency-keys';
import { IdentityRegistry, isLostClaimRace } from './identity-registry';
import type { LeadEventView, LeadView } from './projections/lead-view';

export const LEAD_CAPTURE_SOURCE = '/leadledger/lead-capture';

/** Clocks of other systems drift; further ahead than this, a business time is a mistake, not drift. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Who submits, and the request or message that carried it. */
export interface IntakeContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** Repeats of one request or message share it (Idempotency-Key, ce_id, topic/partition/offset). */
  readonly causationId: string;
  /** Business time (RFC 3339) when the source says so, e.g. an import of last year's leads; else now. */
  readonly occurredAt?: string;
  /**
   * The request's idempotency key, bound to the request's fingerprint: a repeat answers as the first
   * call did, and a different request under the key is refused before anything is done for it.
   */
  readonly idempotency?: IdempotentRequest;
  /**
   * Who the producer of an inbound message says it acts for, unverified (`ce_actor`): recorded beside `actor` in the
   * events' metadata as `claimedActor`, never as the actor itself.
   */
  readonly claimedActor?: string;
}

export type SubmissionOutcome = 'captured' | 'updated' | 'unchanged';

export interface SubmissionResult {
  readonly leadId: string;
  readonly outcome: SubmissionOutcome;
  /** The same request or message was handled before; this is its original outcome. */
  readonly replayed: boolean;
  /** Where the append landed in the global log, when there was one: what a reader of the views waits for. */
  readonly position?: GlobalPosition;
}

export interface EngagementResult {
  readonly leadId: string;
  readonly outcome: 'recorded' | 'duplicate';
  readonly replayed: boolean;
  readonly position?: GlobalPosition;
}

/** The lead views read model, as this service reads it. */
export interface LeadViews {
  find(leadId: string): Promise<LeadView | undefined>;
}

/** What intake reports beside its answers, for metrics and logs: never a value, only kinds and fields. */
export interface LeadCaptureObserver {
  /** Something normalizing kept as given, cut or flagged (SubmissionFinding), once per accepted submission. */
  onFinding?(finding: SubmissionFinding): void;
  /** A stored event of a lead's stream that breaks its contract, skipped. */
  onUnreadable?: UnreadableEventHandler;
}

/** Lead intake over any transport: identity resolution, then the lead decider on the lead's stream. */
export class LeadCaptureService {
  private readonly identities: IdentityRegistry;
  private readonly idempotencyKeys: IdempotencyKeys;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly views: LeadViews,
    private readonly observer: LeadCaptureObserver = {},
  ) {
    this.identities = new IdentityRegistry(store);
    this.idempotencyKeys = new IdempotencyKeys(store, clock);
  }

  async submit(submission: LeadSubmission, intake: IntakeContext): Promise<SubmissionResult> {
    return this.underIdempotencyKey(intake, () => this.submitOnce(submission, intake));
  }

  /** The identity keys a submission carries once normalized: what ties the items of a batch together. */
  identityKeysOfSubmission(submission: LeadSubmission): string[] {
    return identityKeysOf(readSubmission(submission).submission);
  }

  async recordEngagement(
    leadId: string,
    engagement: Engagement,
    intake: IntakeContext,
  ): Promise<EngagementResult> {
    return this.underIdempotencyKey(intake, () => this.recordEngagementOnce(leadId, engagement, intake));
  }

  /**
   * The key is claimed before anything else, identity claims included: a body the key did not
   * carry changes nothing. A replay answers from the key's stream, as the first call answered.
   */
  private async underIdempotencyKey<
    Result extends { readonly replayed: boolean; readonly position?: GlobalPosition },
  >(intake: IntakeContext, work: () => Promise<Result>): Promise<Result> {
    if (!intake.idempotency) return work();
    let handledBefore = false;
    const { answer, replayed, position } = await this.idempotencyKeys.once(intake.idempotency, async () => {
      const { position: landedAt, replayed: alreadyHandled, ...answer } = await work();
      // A takeover of a dead claimant's key finds that claimant's events under the same causation.
      handledBefore = alreadyHandled;
      return { answer, ...(landedAt === undefined ? {} : { position: landedAt }) };
    });
    return {
      ...answer,
      replayed: replayed || handledBefore,
      ...(position === undefined ? {} : { position }),
    } as unknown as Result;
  }

  private async submitOnce(submission: LeadSubmission, intake: IntakeContext): Promise<SubmissionResult> {
    const { submission: normalized, findings } = readSubmission(submission);
    if (!hasHandle(normalized)) {
      throw new DomainError(
        'invalid',
        'a lead needs an email, a phone, or a source system with an external id',
      );
    }
    // Derived from the causation, so a repeated request that matches no identity key (a phone-only
    // lead) still lands on the lead its first delivery created.
    const candidateLeadId = deriveId('lead', intake.causationId);
    const keys = identityKeysOf(normalized);
    // The keys' claims and the lead's events are one atomic append; a claim another submission wrote
    // first means the keys may now point elsewhere: look again, backing off like any lost race.
    const { leadId, result } = await retry(
      async () => {
        const { leadId, claims } = await this.identities.plan(keys, candidateLeadId);
        const decided = await this.run(
          leadId,
          { type: 'SubmitLead', leadId, submission: normalized },
          intake,
          'submit-lead',
          claims,
        );
        return { leadId, result: decided };
      },
      { ...DEFAULT_COMMAND_RETRY, shouldRetry: isLostClaimRace },
    );
    if (!result.alreadyHandled) for (const finding of findings) this.observer.onFinding?.(finding);
    const [first] = result.events;
    const outcome: SubmissionOutcome =
      first?.type === 'LeadCaptured'
        ? 'captured'
        : first?.type === 'LeadDetailsUpdated'
          ? 'updated'
          : 'unchanged';
    return { leadId, outcome, replayed: result.alreadyHandled, ...positionOf(result) };
  }

  private async recordEngagementOnce(
    leadId: string,
    engagement: Engagement,
    intake: IntakeContext,
  ): Promise<EngagementResult> {
    const result = await this.run(
      leadId,
      { type: 'RecordEngagement', leadId, engagement },
      intake,
      'record-engagement',
    );
    return {
      leadId,
      outcome: result.events.length > 0 ? 'recorded' : 'duplicate',
      replayed: result.alreadyHandled,
      ...positionOf(result),
    };
  }

  /** From the lead views read model: no stream is read and folded per request. */
  getLead(leadId: string): Promise<LeadView | undefined> {
    return this.views.find(leadId);
  }

  async getLeadEvents(leadId: string): Promise<LeadEventView[] | undefined> {
    const recorded = await this.store.readStream(leadStreamId(leadId));
    return recorded.length === 0 ? undefined : recorded.map(toEventView);
  }

  private run(
    leadId: string,
    command: LeadCommand,
    intake: IntakeContext,
    handler: string,
    alongside: readonly StreamAppend[] = [],
  ) {
    const now = this.clock.now();
    if (intake.occurredAt && Date.parse(intake.occurredAt) > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw new DomainError('invalid', `occurredAt ${intake.occurredAt} is in the future`);
    }
    const context: CommandContext = {
      actor: intake.actor,
      correlationId: intake.correlationId,
      causationId: intake.causationId,
      occurredAt: intake.occurredAt ?? now.toISOString(),
      ...(intake.claimedActor ? { claimedActor: intake.claimedActor } : {}),
    };
    return handleCommand(
      this.store,
      leadDecider,
      { handler: `lead-capture:${handler}`, source: LEAD_CAPTURE_SOURCE },
      leadStreamId(leadId),
      command,
      context,
      {
        ...(this.observer.onUnreadable ? { onUnreadable: this.observer.onUnreadable } : {}),
        ...(alongside.length > 0 ? { alongside } : {}),
      },
    );
  }
}

function positionOf(decided: { readonly position?: GlobalPosition }): { position?: GlobalPosition } {
  return decided.position === undefined ? {} : { position: decided.position };
}

function toEventView(event: RecordedEvent): LeadEventView {
  const metadata = event.metadata as Record<string, string | undefined>;
  return {
    id: event.id,
    type: resolveEventName(event.type) ?? event.type,
    eventType: event.type,
    revision: Number(event.revision),
    occurredAt: metadata.occurredAt,
    recordedAt: event.recordedAt.toISOString(),
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    ...(metadata.claimedActor ? { claimedActor: metadata.claimedActor } : {}),
    data: event.data,
  };
}
