import { leadStreamId, resolveEventName, type Actor, type Clock } from '@leadledger/contracts';
import type { EventStore, GlobalPosition, RecordedEvent } from '@leadledger/eventstore';
import { DomainError, deriveId, handleCommand, type CommandContext } from '@leadledger/eventsourcing';
import { hasHandle, identityKeysOf } from './domain/identity';
import { leadDecider, type Engagement, type LeadCommand } from './domain/lead.decider';
import { normalizeSubmission, type LeadSubmission } from './domain/lead-submission';
import { IdentityRegistry } from './identity-registry';
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

/** Lead intake over any transport: identity resolution, then the lead decider on the lead's stream. */
export class LeadCaptureService {
  private readonly identities: IdentityRegistry;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly views: LeadViews,
  ) {
    this.identities = new IdentityRegistry(store);
  }

  async submit(submission: LeadSubmission, intake: IntakeContext): Promise<SubmissionResult> {
    const normalized = normalizeSubmission(submission);
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
    const leadId = keys.length > 0 ? await this.identities.resolve(keys, candidateLeadId) : candidateLeadId;

    const result = await this.run(
      leadId,
      { type: 'SubmitLead', leadId, submission: normalized },
      intake,
      'submit-lead',
    );
    const [first] = result.events;
    const outcome: SubmissionOutcome =
      first?.type === 'LeadCaptured'
        ? 'captured'
        : first?.type === 'LeadDetailsUpdated'
          ? 'updated'
          : 'unchanged';
    return { leadId, outcome, replayed: result.alreadyHandled, ...positionOf(result) };
  }

  async recordEngagement(
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

  private run(leadId: string, command: LeadCommand, intake: IntakeContext, handler: string) {
    const now = this.clock.now();
    if (intake.occurredAt && Date.parse(intake.occurredAt) > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw new DomainError('invalid', `occurredAt ${intake.occurredAt} is in the future`);
    }
    const context: CommandContext = {
      actor: intake.actor,
      correlationId: intake.correlationId,
      causationId: intake.causationId,
      occurredAt: intake.occurredAt ?? now.toISOString(),
    };
    return handleCommand(
      this.store,
      leadDecider,
      { handler: `lead-capture:${handler}`, source: LEAD_CAPTURE_SOURCE },
      leadStreamId(leadId),
      command,
      context,
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
    data: event.data,
  };
}
