import {
  leadStreamId,
  type Actor,
  type Clock,
  type CriterionValue,
  type LeadEvent,
  type Money,
  type SalesRejectionReason,
} from '@leadledger/contracts';
import {
  aggregateStream,
  deriveId,
  DomainError,
  handleCommand,
  type Decided,
  type EventStore,
  type StreamSnapshot,
  type UnreadableEventHandler,
} from '@leadledger/eventsourcing';
import { addBusinessTime } from './domain/business-calendar';
import { frameworkFor } from './domain/qualification-frameworks';
import {
  availabilityDecider,
  isAvailableAt,
  repStreamId,
  rotationDecider,
  rotationStreamId,
  salesBookkeepingCodec,
  type AvailabilityState,
  type RotationState,
  type SetAvailability,
} from './domain/rotation';
import {
  salesLeadDecider,
  type SalesCommand,
  type SalesLead,
  type SalesState,
} from './domain/sales-lead.decider';
import {
  assignmentCandidates,
  repsWhoMayTake,
  segmentOf,
  teamOf,
  teamOfRep,
  type SalesTeam,
} from './domain/sales-team';
import type { LoadedSalesConfig } from './load-sales-config';

export const SALES_ACCEPTANCE_SOURCE = '/leadledger/sales-acceptance';
const SYSTEM_ACTOR: Actor = 'system:sales-acceptance';
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Picks this process remembers per team (about 1 MB at most): a retried MQL gets its rep back without a read. */
const REMEMBERED_PICKS = 10_000;

/**
 * A team's rotation as this process last saw it. Its stream grows by one pick per MQL, and its state
 * is one rep: so each pick reads only what was appended since (by this process or another), not the
 * whole history; the first pick after a start reads it all once.
 */
interface TeamRotation {
  snapshot?: StreamSnapshot<RotationState>;
  /** Cause of a pick -> the rep, for the picks this process made: the causation check reads only past the snapshot. */
  readonly picks: Map<string, string>;
}

/** What caused a command, and on whose behalf. */
export interface SalesCause {
  readonly causationId: string;
  readonly correlationId: string;
  readonly actor: Actor;
}

export type SystemCause = Omit<SalesCause, 'actor'>;

export interface QualificationInput {
  readonly framework: string;
  readonly criterion: string;
  readonly value: CriterionValue;
  readonly evidence?: string;
  readonly amount?: Money;
  readonly date?: string;
}

/** A rep as managers see the roster: their team and whether assignment skips them. */
export interface RepAvailability extends AvailabilityState {
  readonly rep: string;
  readonly team: string;
  /** Whether assignment would pick them now (an absence with `until` ends by itself). */
  readonly availableNow: boolean;
}

/**
 * The handoff from marketing to sales: assigns each MQL to a rep by the team rules, watches the
 * SLA, and runs the rep's accept / reject / qualify / convert on the lead's own stream.
 */
export class SalesAcceptanceService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    readonly config: LoadedSalesConfig,
    private readonly onUnreadable?: UnreadableEventHandler,
  ) {}

  private readonly rotations = new Map<string, TeamRotation>();

  /**
   * Assigns a fresh MQL: the team by the rules, the rep by the team's round-robin among those
   * available, the SLA by the team's business calendar. The rep pick is recorded under the same
   * cause as the assignment, so a redelivered MQL gets the same rep whatever changed meanwhile.
   */
  async assignMql(leadId: string, cause: SystemCause): Promise<Decided<SalesState, LeadEvent> | undefined> {
    const lead = await this.leadIfAt(leadId, 'mql');
    if (!lead) return undefined;
    const now = this.clock.now();
    const forAssignment = { country: lead.country, companySize: lead.companySize };
    const available = await this.availability(now, repsWhoMayTake(this.config.team, forAssignment));
    const candidates = assignmentCandidates(
      this.config.team,
      forAssignment,
      (rep) => available.get(rep) ?? true,
    );
    const rep = await this.pickRep(leadId, candidates.team, candidates.reps, undefined, cause);
    return this.decide(
      {
        type: 'AssignToSales',
        leadId,
        owner: rep,
        team: candidates.team.id,
        slaDueAt: this.slaDueAt(candidates.team, now),
        ...(candidates.fallback ? { fallbackReason: candidates.fallback } : {}),
      },
      { ...cause, actor: SYSTEM_ACTOR },
    );
  }

  /**
   * The handoff SLA came due: breached once if the lead still waits for its owner, then, where the
   * team says so, reassigned to the next available rep of the team.
   */
  async breachHandoffSla(
    leadId: string,
    slaDueAt: Date,
    cause: SystemCause,
  ): Promise<{ breached?: { owner: string; team: string; now: boolean }; reassignedTo?: string }> {
    const now = this.clock.now();
    const breach = await this.decide(
      { type: 'BreachHandoffSla', leadId, slaDueAt, now },
      { ...cause, actor: SYSTEM_ACTOR },
    );
    const breached = breach.events.find((event) => event.type === 'LeadHandoffSlaBreached');
    if (breached?.type !== 'LeadHandoffSlaBreached') return {};
    const { owner, team: teamId } = breached.data;
    const outcome = { breached: { owner, team: teamId, now: !breach.alreadyHandled } };
    const team = teamOf(this.config.team, teamId);
    const lead = breach.state.status === 'active' ? breach.state.lead : undefined;
    // Only while the breached owner still has it unanswered: a manager may have stepped in meanwhile.
    if (!team?.sla.reassignOnBreach || lead?.stage !== 'assigned' || lead.assignment?.owner !== owner) {
      return outcome;
    }
    const teamReps = team.reps.map(({ id }) => id).filter((rep) => rep !== owner);
    const available = await this.availability(now, teamReps);
    const others = teamReps.filter((rep) => available.get(rep) ?? true);
    if (others.length === 0) return outcome;
    const to = await this.pickRep(leadId, team, others, owner, cause);
    // A cause of its own: on the lead's stream, the firing's cause already names the breach.
    const causationId = deriveId('handoff-sla-reassignment', cause.causationId);
    await this.decide(
      {
        type: 'Reassign',
        leadId,
        to,
        team: team.id,
        reason: 'sla_breached',
        slaDueAt: this.slaDueAt(team, now),
      },
      { ...cause, causationId, actor: SYSTEM_ACTOR },
    );
    return { ...outcome, reassignedTo: to };
  }

  accept(leadId: string, cause: SalesCause) {
    return this.decide({ type: 'Accept', leadId }, cause);
  }

  reject(leadId: string, rejection: { reason: SalesRejectionReason; note?: string }, cause: SalesCause) {
    const nurtureUntil = new Date(this.clock.now().getTime() + this.config.team.recycleCooldownDays * DAY_MS);
    return this.decide({ type: 'Reject', leadId, ...rejection, nurtureUntil }, cause);
  }

  async recordQualification(leadId: string, input: QualificationInput, cause: SalesCause) {
    const framework = await this.frameworkOfLead(leadId);
    if (input.framework !== framework.id) {
      throw new DomainError(
        'precondition',
        `lead ${leadId} qualifies with the ${framework.id} framework (its segment's), not ${input.framework}`,
        [{ field: 'framework', reason: `must be ${framework.id} for this lead` }],
      );
    }
    const { framework: _named, ...recorded } = input;
    return this.decide(
      {
        type: 'RecordQualification',
        leadId,
        framework,
        conversion: this.config.qualification.conversion,
        ...recorded,
      },
      cause,
    );
  }

  async convert(leadId: string, cause: SalesCause) {
    return this.decide({ type: 'Convert', leadId, framework: await this.frameworkOfLead(leadId) }, cause);
  }

  disqualify(leadId: string, reason: string, cause: SalesCause) {
    return this.decide({ type: 'Disqualify', leadId, reason }, cause);
  }

  /** By a manager: `to` must be a configured rep; the SLA restarts on the new owner's team calendar. */
  reassign(leadId: string, to: string, note: string | undefined, cause: SalesCause) {
    const team = this.teamOfRep(to);
    return this.decide(
      {
        type: 'Reassign',
        leadId,
        to,
        team: team.id,
        reason: 'manager',
        ...(note ? { note } : {}),
        slaDueAt: this.slaDueAt(team, this.clock.now()),
      },
      cause,
    );
  }

  async setAvailability(command: SetAvailability, cause: SalesCause) {
    this.teamOfRep(command.rep);
    return handleCommand(
      this.store,
      availabilityDecider,
      { handler: 'sales-acceptance:availability', source: SALES_ACCEPTANCE_SOURCE },
      repStreamId(command.rep),
      command,
      { ...cause, occurredAt: this.clock.now().toISOString() },
      { codec: salesBookkeepingCodec },
    );
  }

  /** Every configured rep of `team` (every team when absent), with their availability now. */
  async roster(team?: string): Promise<RepAvailability[]> {
    const now = this.clock.now();
    const teams = this.config.team.teams.filter(({ id }) => team === undefined || id === team);
    return Promise.all(
      teams.flatMap(({ id: teamId, reps }) =>
        reps.map(async ({ id: rep }) => {
          const state = await this.availabilityOf(rep);
          return { rep, team: teamId, ...state, availableNow: isAvailableAt(state, now) };
        }),
      ),
    );
  }

  /** The lead as sales-acceptance folds it from its stream; undefined when it was never captured. */
  async salesStateOf(leadId: string): Promise<SalesState> {
    const { state } = await aggregateStream(
      this.store,
      leadStreamId(leadId),
      salesLeadDecider,
      this.readOptions(),
    );
    return state;
  }

  teamOfRep(rep: string): SalesTeam {
    const team = teamOfRep(this.config.team, rep);
    if (!team) {
      throw new DomainError('invalid', `${rep} is not a rep of any team in the sales team configuration`, [
        { field: 'owner', reason: 'must be a rep of a configured team' },
      ]);
    }
    return team;
  }

  private async frameworkOfLead(leadId: string) {
    const state = await this.salesStateOf(leadId);
    const size = state.status === 'active' ? state.lead.companySize : undefined;
    return frameworkFor(this.config.qualification, segmentOf(this.config.team, size));
  }

  private slaDueAt(team: SalesTeam, from: Date): Date {
    return addBusinessTime(from, team.sla.businessHours * HOUR_MS, team.calendar);
  }

  private async leadIfAt(leadId: string, stage: SalesLead['stage']): Promise<SalesLead | undefined> {
    const state = await this.salesStateOf(leadId);
    return state.status === 'active' && state.lead.stage === stage ? state.lead : undefined;
  }

  private async availabilityOf(rep: string): Promise<AvailabilityState> {
    const { state } = await aggregateStream(this.store, repStreamId(rep), availabilityDecider, {
      codec: salesBookkeepingCodec,
      ...this.readOptions(),
    });
    return state;
  }

  /** Which of these reps assignment may pick now: one short stream each, read for the reps in question only. */
  private async availability(now: Date, reps: readonly string[]): Promise<Map<string, boolean>> {
    const states = await Promise.all(reps.map(async (rep) => [rep, await this.availabilityOf(rep)] as const));
    return new Map(states.map(([rep, state]) => [rep, isAvailableAt(state, now)]));
  }

  private async pickRep(
    leadId: string,
    team: SalesTeam,
    candidates: readonly string[],
    exclude: string | undefined,
    cause: SystemCause,
  ): Promise<string> {
    let rotation = this.rotations.get(team.id);
    if (!rotation) this.rotations.set(team.id, (rotation = { picks: new Map() }));
    // A cause picked for by another process before this one's snapshot is not seen: it would pick
    // again, and one rep would miss a turn. Only a crash between pick and assignment, then a
    // redelivery to another replica, leads there.
    const remembered = rotation.picks.get(cause.causationId);
    if (remembered !== undefined) return remembered;
    const picked = await handleCommand(
      this.store,
      rotationDecider,
      { handler: 'sales-acceptance:rotation', source: SALES_ACCEPTANCE_SOURCE },
      rotationStreamId(team.id),
      { leadId, team, candidates, ...(exclude ? { exclude } : {}) },
      { ...cause, actor: SYSTEM_ACTOR, occurredAt: this.clock.now().toISOString() },
      { codec: salesBookkeepingCodec, ...(rotation.snapshot ? { snapshot: rotation.snapshot } : {}) },
    );
    const { state, revision } = picked;
    if (
      revision !== undefined &&
      (rotation.snapshot === undefined || revision > rotation.snapshot.revision)
    ) {
      rotation.snapshot = { state, revision };
    }
    const [pick] = picked.events;
    rotation.picks.set(cause.causationId, pick.data.rep);
    if (rotation.picks.size > REMEMBERED_PICKS) {
      rotation.picks.delete(rotation.picks.keys().next().value as string);
    }
    return pick.data.rep;
  }

  private decide(command: SalesCommand, cause: SalesCause): Promise<Decided<SalesState, LeadEvent>> {
    return handleCommand(
      this.store,
      salesLeadDecider,
      { handler: `sales-acceptance:${command.type}`, source: SALES_ACCEPTANCE_SOURCE },
      leadStreamId(command.leadId),
      command,
      { ...cause, occurredAt: this.clock.now().toISOString() },
      this.readOptions(),
    );
  }

  private readOptions(): { onUnreadable?: UnreadableEventHandler } {
    return this.onUnreadable ? { onUnreadable: this.onUnreadable } : {};
  }
}
